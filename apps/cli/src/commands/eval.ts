// lora eval: loss, perplexity and token count of a model (+ adapter) on a dataset; with --generate, answers
// generated and scored (accuracy, precision/recall/F1, confusion matrix); with --compare, base vs adapter.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, readRecords, type SourceOptions, type TokenizedExample } from '@lora/datasets';
import { classificationReportMarkdown, confusionMatrixMarkdown } from '@lora/metrics';
import { evaluateModel } from '@lora/sft';
import { writeFileAtomic } from '../atomic.js';
import {
  type AnswerCase,
  type AnswerScore,
  answerCases,
  answersJson,
  describeAnswers,
  normalizeAnswer,
  promptText,
  scoreAnswers,
} from '../answers.js';
import { sourceOptions } from '../data-source.js';
import { UsageError } from '../errors.js';
import { generateAnswers, GREEDY } from '../generation.js';
import { sessionLines, type InferenceSession, openSession } from '../inference.js';
import { printer } from '../io.js';
import type { EvalOptions } from '../verb-options.js';
import { type EvalSnapshot, evalComparisonTable, generationsTable } from '../report.js';
import { completionTemplatesFrom, describeStats, tokenizeSplit } from '../training-data.js';
import type { CommandContext } from '../verbs.js';

interface EvalResult extends EvalSnapshot {
  tokens: number;
  tokenAccuracy: number;
  predictions: string[];
}

/** The expected answers from a record field (--label-field), one per example. */
async function labelsFromField(path: string, field: string, count: number): Promise<string[]> {
  const labels: string[] = [];
  for await (const record of readRecords(path)) {
    const value = record.value[field];
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new UsageError(
        `--label-field ${field}: ${record.where.file} line ${record.where.line ?? record.where.index}: expected a string, got ${value === undefined ? 'no such field' : typeof value}`,
      );
    }
    labels.push(String(value));
  }
  if (labels.length !== count) {
    throw new UsageError(
      `--label-field ${field}: expected one label per example (${count}), got ${labels.length} records (unnest/skips change the count)`,
    );
  }
  return labels;
}

/** Keys of any format's answer; a labelled test set ({instruction, input, label}) has none of them. */
const ANSWER_KEYS = [
  'output',
  'completion',
  'messages',
  'conversations',
  'conversation',
  'chosen',
  'text',
  'input_ids',
];

/**
 * Whether `--label-field` must stand in for the answer: the first record has the label field and no answer of any
 * format, and no field_map names the output.
 */
async function labelIsTheOnlyAnswer(path: string, field: string, source: SourceOptions): Promise<boolean> {
  if (source.fieldMap?.output !== undefined) return false;
  for await (const record of readRecords(path)) {
    return field in record.value && !ANSWER_KEYS.some((key) => key in record.value);
  }
  return false;
}

async function evaluate(
  session: InferenceSession,
  tokenized: TokenizedExample[],
  cases: AnswerCase[] | undefined,
  o: EvalOptions,
): Promise<EvalResult> {
  const model = session.model;
  const scorer = { stepInto: model.stepInto.bind(model), parameters: () => model.parameters() };
  const padTokenId = session.tokenizer.padTokenId ?? session.tokenizer.eosTokenId ?? 0;
  const metrics = await evaluateModel(scorer, tokenized, o.batch_size, {
    padTokenId,
    paddingSide: 'right',
  });
  let answers: AnswerScore | undefined;
  let predictions: string[] = [];
  if (cases) {
    predictions = await generateAnswers(
      session,
      cases.map((c) => c.prompt),
      { ...GREEDY, maxNewTokens: o.max_new_tokens },
    );
    answers = scoreAnswers(
      cases.map((c) => c.expected),
      predictions,
    );
  }
  return {
    loss: metrics.eval_loss,
    perplexity: metrics.eval_perplexity,
    tokens: metrics.eval_num_tokens,
    tokenAccuracy: metrics.eval_mean_token_accuracy,
    answers,
    predictions,
  };
}

function resultLines(name: string, r: EvalResult): string[] {
  const lines = [
    `${name}: loss ${r.loss!.toFixed(4)}, perplexity ${r.perplexity!.toFixed(3)}, ${r.tokens} tokens, token accuracy ${(100 * r.tokenAccuracy).toFixed(1)}%`,
  ];
  const a = r.answers;
  if (a) {
    lines.push(`${name}: answers ${describeAnswers(a)}`);
    if (a.report) {
      lines.push(
        ...classificationReportMarkdown(a.report).split('\n'),
        '',
        'confusion matrix (rows: expected, columns: generated)',
      );
      lines.push(...confusionMatrixMarkdown(a.report.confusionMatrix).split('\n'));
    }
  }
  return lines;
}

function jsonOf(r: EvalResult): Record<string, unknown> {
  return {
    loss: r.loss,
    perplexity: r.perplexity,
    tokens: r.tokens,
    token_accuracy: r.tokenAccuracy,
    ...(r.answers && answersJson(r.answers)),
  };
}

export async function evalCommand({ io, opts, options }: CommandContext<EvalOptions>): Promise<number> {
  const { out } = printer(io);
  const { json, compare } = opts;
  const early = opts.predictions;
  if (early !== undefined && existsSync(early)) {
    throw new UsageError(
      `${options.label('predictions')} ${early}: expected a new file, got an existing one; remove it or name another`,
    );
  }
  const session = await openSession(options, io.cwd, 'eval'); // takes --data from the run's eval_data if unset
  const data = opts.data;
  if (data === undefined)
    throw new UsageError('lora eval: expected --data FILE (or an --adapter run with eval_data), got none');
  if (compare && !session.lora)
    throw new UsageError('lora eval --compare: expected --adapter DIR to compare with its base, got none');
  const log = json ? (line: string) => io.stderr.write(`${line}\n`) : out;
  for (const line of sessionLines(session)) log(line);
  const labelField = opts.label_field;
  const source = sourceOptions(opts);
  if (labelField !== undefined && (await labelIsTheOnlyAnswer(data, labelField, source))) {
    source.fieldMap = { ...source.fieldMap, output: labelField };
    log(`data: records have no answer field, so "${labelField}" (--label-field) is the answer`);
  }
  const loaded = await loadDataset(data, source);
  const limit = opts.limit;
  const examples = limit === undefined ? loaded.examples : loaded.examples.slice(0, limit);
  if (examples.length === 0) throw new UsageError(`--data ${data}: expected at least one example, got none`);
  const labels =
    labelField === undefined
      ? undefined
      : (await labelsFromField(data, labelField, loaded.examples.length)).slice(0, examples.length);
  const generateToo = opts.generate || labelField !== undefined;
  const settings = {
    format: session.format,
    maxLength: opts.max_length,
    completionOnly: opts.completion_only,
    completionTemplates: completionTemplatesFrom(options),
  };
  const tokenized = tokenizeSplit(examples, session.tokenizer, settings);
  log(describeStats(`data (${loaded.format})`, tokenized.stats));
  if (tokenized.examples.length === 0)
    throw new UsageError(`--data ${data}: expected examples left after tokenization, got none`);
  const cases = generateToo
    ? answerCases(
        examples,
        labels ? (i) => labels[i] : undefined,
        settings.completionTemplates,
        session.tokenizer.eosToken,
      )
    : undefined;
  if (cases?.length === 0)
    throw new UsageError('--generate: expected conversational examples (a prompt and an answer), got none');

  const adapted = await evaluate(session, tokenized.examples, cases, opts);
  let base: EvalResult | undefined;
  if (compare) {
    session.lora!.setAdaptersEnabled(false);
    base = await evaluate(session, tokenized.examples, cases, opts);
    session.lora!.setAdaptersEnabled(true);
  }
  const predictionsFile = opts.predictions;
  if (predictionsFile !== undefined) {
    if (!cases)
      throw new UsageError(
        `${options.label('predictions')}: expected --generate or --label-field, got neither`,
      );
    const rows = cases.map((c, index) => ({
      index,
      prompt: promptText(c),
      expected: c.expected,
      generated: adapted.predictions[index] ?? '',
      correct: normalizeAnswer(adapted.predictions[index] ?? '') === normalizeAnswer(c.expected),
      ...(base && { base: base.predictions[index] ?? '' }),
    }));
    await writeNewFile(
      predictionsFile,
      rows.map((r) => `${JSON.stringify(r)}\n`).join(''),
      options.label('predictions'),
    );
    log(`wrote ${rows.length} predictions to ${predictionsFile}`);
  }
  if (base) for (const line of resultLines('base', base)) log(line);
  for (const line of resultLines(session.lora ? 'adapter' : 'model', adapted)) log(line);
  if (compare && base) {
    const reportPath = opts.report ?? join(session.target.adapterDir!, 'compare.md');
    const rows = (cases ?? []).slice(0, 12).map((c, i) => ({
      prompt: promptText(c),
      expected: c.expected,
      before: base.predictions[i] ?? '',
      after: adapted.predictions[i] ?? '',
    }));
    const md = [
      `# Base vs adapter on ${data}`,
      '',
      `Base: ${session.target.modelDir}. Adapter: ${session.target.adapterDir}. ${examples.length} examples.`,
      '',
      evalComparisonTable(base, adapted, ['base', 'adapter']),
      '',
      ...(rows.length > 0 && generateToo
        ? ['## Generated answers', '', generationsTable(rows, ['base', 'adapter']), '']
        : []),
    ].join('\n');
    await writeFileAtomic(reportPath, md);
    log(`wrote the base vs adapter comparison to ${reportPath}`);
  }
  if (json) {
    const result = {
      model: session.target.modelDir,
      adapter: session.target.adapterDir ?? null,
      data,
      examples: examples.length,
      ...jsonOf(adapted),
      ...(base && { base: jsonOf(base) }),
    };
    out(JSON.stringify(result));
  }
  return 0;
}

/** Write `path` atomically, refusing a file that is already there (an input, or another run's output). */
async function writeNewFile(path: string, text: string, label: string): Promise<void> {
  if (existsSync(path))
    throw new UsageError(
      `${label} ${path}: expected a new file, got an existing one; remove it or name another`,
    );
  await writeFileAtomic(path, text);
}
