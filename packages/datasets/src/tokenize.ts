// SFT examples → { inputIds, labels }: render with a chat format, encode the whole text, mask untrained spans with
// -100 (transformers' convention: labels aligned with input_ids, the shift happens in the loss), handle BOS/EOS,
// truncate or drop past maxLength, and count everything that was cut or skipped.

import {
  type ChatFormat,
  checkEndOfTurnSupervision,
  type EndOfTurnWarning,
  type RenderedChat,
  type RenderOptions,
  renderAlpaca,
  renderPlain,
} from '@lora/chatml';
import { encodeSegments } from './align.js';
import { type ChatFormatSpec, endOfTurnTokens, resolveChatFormat } from './chat-format.js';
import { DatasetError, describeLocation, type Location, preview } from './errors.js';
import { type SftExample, toMessages } from './examples.js';
import { type CompletionTemplates, completionSegments } from './response-template.js';
import { type SkipCount, SkipLog } from './stats.js';
import type { TokenEncoder } from './token-encoder.js';

/** Which tokens carry labels: every assistant turn (default), only the last one, or everything. */
export type TrainOn = 'assistant' | 'last-assistant' | 'all';

/** Options of `tokenizeDataset`: the chat format, the length limit, what is trained, BOS and EOS. */
export interface TokenizeOptions {
  /** how conversational examples are rendered; required when there are any */
  chatFormat?: ChatFormatSpec;
  /** cut (or drop, see overflow) examples longer than this many tokens */
  maxLength?: number;
  /** default 'truncate' (keeps the first maxLength tokens) */
  overflow?: 'truncate' | 'drop';
  /** default 'assistant' */
  trainOn?: TrainOn;
  /** 'auto' (default): start with BOS when the tokenizer itself adds one, never doubling one the template wrote */
  addBos?: 'auto' | boolean;
  /** text examples: append EOS when they do not end with it; default true */
  addEos?: boolean;
  /**
   * text examples: train only on what follows each response template (TRL's completion-only collator); an
   * example without one is skipped and counted
   */
  completionTemplates?: CompletionTemplates;
}

/** One tokenized example: input ids, and labels aligned with them (-100 where no loss is taken). */
export interface TokenizedExample {
  inputIds: number[];
  /** aligned with inputIds; -100 where no loss is taken */
  labels: number[];
  where?: Location;
}

/** A warning raised while tokenizing, counted, with its first message and examples. */
export interface WarningCount {
  code: string;
  count: number;
  /** the first occurrence's message */
  message: string;
  examples: string[];
}

/** What `tokenizeDataset` did: examples kept, tokens and label tokens, truncations, skips, alignment, warnings. */
export interface TokenizeStats {
  examples: number;
  kept: number;
  /** input tokens of the kept examples */
  tokens: number;
  /** labels other than -100 in the kept examples */
  labelTokens: number;
  truncated: number;
  truncatedTokens: number;
  skipped: SkipCount[];
  /** exact: segment-by-segment ids equal the whole text's; realigned: boundaries found on the whole text's ids */
  alignment: { exact: number; realigned: number; straddlingTokens: number };
  /** end-of-turn supervision warnings from @lora/chatml's checkEndOfTurnSupervision, counted by code */
  warnings: WarningCount[];
}

/** Examples to token ids one at a time (`createTokenizer`), counting as it goes. */
export interface ExampleTokenizer {
  /** the tokenized example, or undefined when it is skipped (counted in stats) */
  tokenize(example: SftExample): TokenizedExample | undefined;
  stats(): TokenizeStats;
}

function checkOptions(o: TokenizeOptions): void {
  const bad = (key: string, expected: string, got: unknown) =>
    new DatasetError(`${key}: expected ${expected}, got ${preview(got)}`, { key });
  if (o.maxLength !== undefined && (!Number.isInteger(o.maxLength) || o.maxLength < 2)) {
    throw bad('maxLength', 'an integer >= 2', o.maxLength);
  }
  if (o.overflow !== undefined && o.overflow !== 'truncate' && o.overflow !== 'drop') {
    throw bad('overflow', "'truncate' or 'drop'", o.overflow);
  }
  if (o.trainOn !== undefined && !['assistant', 'last-assistant', 'all'].includes(o.trainOn)) {
    throw bad('trainOn', "'assistant', 'last-assistant' or 'all'", o.trainOn);
  }
  if (o.addBos !== undefined && o.addBos !== 'auto' && typeof o.addBos !== 'boolean') {
    throw bad('addBos', "'auto', true or false", o.addBos);
  }
  const t = o.completionTemplates;
  if (t !== undefined) {
    if (typeof t.response !== 'string' || t.response === '')
      throw bad('completionTemplates.response', 'a non-empty string', t.response);
    if (t.instruction !== undefined && (typeof t.instruction !== 'string' || t.instruction === ''))
      throw bad('completionTemplates.instruction', 'a non-empty string', t.instruction);
  }
}

function parseTools(tools: string | undefined, where: Location | undefined): unknown[] | undefined {
  if (tools === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(tools);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch (cause) {
    const at = where === undefined ? 'tools' : `${describeLocation(where)}: tools`;
    throw new DatasetError(`${at}: expected JSON tool definitions, got ${preview(tools)}`, {
      cause,
      ...(where && { where }),
    });
  }
}

/** A tokenizer for a stream of examples; stats accumulate over every call. */
export function createTokenizer(encoder: TokenEncoder, options: TokenizeOptions = {}): ExampleTokenizer {
  checkOptions(options);
  const trainOn = options.trainOn ?? 'assistant';
  const bosId = encoder.bosTokenId;
  const eosId = encoder.eosTokenId;
  if (options.addBos === true && bosId === undefined) {
    throw new DatasetError('addBos: expected an encoder with a bosTokenId, got none', { key: 'addBos' });
  }
  const addBos =
    options.addBos === 'auto' || options.addBos === undefined
      ? bosId !== undefined && encoder.encode('', { addSpecialTokens: true })[0] === bosId
      : options.addBos;
  const renderOptions: RenderOptions = {
    ...(encoder.eosToken !== undefined && { eosToken: encoder.eosToken }),
    ...(addBos && encoder.bosToken !== undefined && { bosToken: encoder.bosToken }),
  };
  const encode = (text: string): number[] => encoder.encode(text, { addSpecialTokens: false });

  let format: ChatFormat | undefined;
  let padChecked = false;
  const skips = new SkipLog();
  const warnings = new Map<string, WarningCount>();
  const s = { examples: 0, kept: 0, tokens: 0, labelTokens: 0, truncated: 0, truncatedTokens: 0 };
  const alignment = { exact: 0, realigned: 0, straddlingTokens: 0 };

  const warn = (w: EndOfTurnWarning, where: Location | undefined): void => {
    let entry = warnings.get(w.code);
    if (entry === undefined)
      warnings.set(w.code, (entry = { code: w.code, count: 0, message: w.message, examples: [] }));
    entry.count++;
    if (where !== undefined && entry.examples.length < 5) entry.examples.push(describeLocation(where));
  };

  const render = (example: SftExample): RenderedChat => {
    const at = example.where === undefined ? 'example' : describeLocation(example.where);
    if (options.chatFormat === undefined) {
      throw new DatasetError(
        `${at}: chatFormat: expected a chat format to render ${example.format} examples, got none`,
        {
          key: 'chatFormat',
          ...(example.where && { where: example.where }),
        },
      );
    }
    format ??= resolveChatFormat(options.chatFormat, encoder);
    try {
      if (example.format === 'alpaca' && format.name === 'alpaca' && !example.system && !example.history) {
        // Stanford's prompt needs an instruction: an input-only row uses its input as the instruction
        const instruction = example.instruction === '' ? example.input : example.instruction;
        const input = example.instruction === '' ? '' : example.input;
        return renderAlpaca({ instruction, input, output: example.output }, renderOptions);
      }
      if (example.format === 'prompt-completion' && format.name === 'plain' && example.system === undefined) {
        // TRL's non-conversational prompt-completion: prompt + completion + EOS, only the completion trains
        const { bosToken = '', ...rest } = renderOptions;
        const segments = [
          { text: bosToken + example.prompt, train: false },
          ...renderPlain(example.completion, rest).segments,
        ];
        return { text: segments.map((seg) => seg.text).join(''), segments };
      }
      const tools =
        (example.format === 'messages' || example.format === 'preference') && 'template' in format
          ? parseTools(example.tools, example.where)
          : undefined;
      return format.render(
        toMessages(example)!,
        tools === undefined ? renderOptions : ({ ...renderOptions, tools } as RenderOptions),
      );
    } catch (cause) {
      if (cause instanceof DatasetError) throw cause;
      throw new DatasetError(
        `${at}: cannot render with chat format ${format.name}: ${(cause as Error).message}`,
        {
          cause,
          ...(example.where && { where: example.where }),
        },
      );
    }
  };

  // pre-tokenized ids must be tokens of this vocabulary: past it they would index beyond the embedding at step 1
  const inVocabulary = (id: number): boolean =>
    encoder.idToToken !== undefined
      ? encoder.idToToken(id) !== undefined
      : encoder.vocabSize === undefined || id < encoder.vocabSize;
  const checkVocabulary = (ids: readonly number[], field: string, where: Location | undefined): void => {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === -100 || inVocabulary(id)) continue;
      const at = where === undefined ? 'example' : describeLocation(where);
      const size = encoder.vocabSize === undefined ? '' : ` (${encoder.vocabSize} tokens)`;
      throw new DatasetError(
        `${at}: ${field}[${i}]: expected a token id of the tokenizer's vocabulary${size}, got ${id}`,
        {
          key: field,
          ...(where && { where }),
        },
      );
    }
  };

  /** A text example: every token trains, or with completion templates what follows each response template. */
  const buildText = (text: string): { ids: number[]; labels: number[] } | undefined => {
    const templates = options.completionTemplates;
    let ids: number[];
    let labels: number[];
    if (templates === undefined) {
      ids = encode(text);
      labels = [...ids];
    } else {
      const segments = completionSegments(text, templates);
      if (segments === undefined) return undefined;
      const encoded = encodeSegments(segments, encode);
      if (encoded.exact) alignment.exact++;
      else alignment.realigned++;
      alignment.straddlingTokens += encoded.straddling;
      ids = encoded.ids;
      labels = ids.map((id, t) => (encoded.trained[t] ? id : -100));
    }
    if (addBos && ids[0] !== bosId) {
      ids.unshift(bosId!);
      labels.unshift(templates === undefined ? bosId! : -100);
    }
    if (options.addEos !== false && eosId !== undefined && ids.at(-1) !== eosId) {
      ids.push(eosId);
      labels.push(eosId); // the answer's end trains, so generation learns to stop
    }
    return { ids, labels };
  };

  const build = (example: SftExample): { ids: number[]; labels: number[] } | undefined => {
    if (example.format === 'tokenized') {
      checkVocabulary(example.inputIds, 'input_ids', example.where);
      if (example.labels) checkVocabulary(example.labels, 'labels', example.where);
      return { ids: [...example.inputIds], labels: [...(example.labels ?? example.inputIds)] };
    }
    if (example.format === 'text') return buildText(example.text);
    const rendered = render(example);
    let segments = rendered.segments;
    if (trainOn === 'all') segments = segments.map((seg) => ({ ...seg, train: true }));
    if (trainOn === 'last-assistant') {
      let last = -1;
      segments.forEach((seg, i) => {
        if (seg.train) last = i;
      });
      segments = segments.map((seg, i) => ({ ...seg, train: seg.train && i === last }));
    }
    const eot = format === undefined ? [] : endOfTurnTokens(format, encoder.eosToken);
    if (trainOn !== 'all' && eot.length > 0) {
      const check = { rendered: { text: rendered.text, segments }, eosToken: eot };
      const padToken = padChecked ? undefined : encoder.padToken;
      padChecked = true;
      for (const w of checkEndOfTurnSupervision(padToken === undefined ? check : { ...check, padToken })) {
        warn(w, example.where);
      }
    }
    const encoded = encodeSegments(segments, encode);
    if (encoded.exact) alignment.exact++;
    else alignment.realigned++;
    alignment.straddlingTokens += encoded.straddling;
    const { ids, trained } = encoded;
    const labels = ids.map((id, t) => (trained[t] ? id : -100));
    if (addBos && ids[0] !== bosId) {
      ids.unshift(bosId!);
      labels.unshift(trainOn === 'all' ? bosId! : -100);
    }
    return { ids, labels };
  };

  return {
    tokenize(example) {
      s.examples++;
      const where = example.where;
      const built = build(example);
      if (built === undefined) {
        skips.add(
          `no response template ${JSON.stringify(options.completionTemplates?.response)} in the text`,
          where,
        );
        return undefined;
      }
      let { ids, labels } = built;
      let cut = false;
      if (options.maxLength !== undefined && ids.length > options.maxLength) {
        if (options.overflow === 'drop') {
          skips.add(`longer than maxLength ${options.maxLength}`, where);
          return undefined;
        }
        s.truncated++;
        s.truncatedTokens += ids.length - options.maxLength;
        ids = ids.slice(0, options.maxLength);
        labels = labels.slice(0, options.maxLength);
        cut = true;
      }
      // labels[0] is never predicted (the loss shifts by one), so it does not count
      let trainedCount = 0;
      for (let t = 1; t < labels.length; t++) if (labels[t] !== -100) trainedCount++;
      if (trainedCount === 0) {
        skips.add(cut ? 'no trained tokens left after truncation' : 'no trained tokens', where);
        return undefined;
      }
      s.kept++;
      s.tokens += ids.length;
      s.labelTokens += trainedCount;
      return where === undefined ? { inputIds: ids, labels } : { inputIds: ids, labels, where };
    },
    stats() {
      return {
        ...s,
        skipped: skips.toJSON(),
        alignment: { ...alignment },
        warnings: [...warnings.values()].map((w) => ({ ...w, examples: [...w.examples] })),
      };
    },
  };
}

/** Tokenize every example; skipped ones (dropped as too long, or with nothing to train) are counted in stats. */
export function tokenizeDataset(
  examples: Iterable<SftExample>,
  encoder: TokenEncoder,
  options: TokenizeOptions = {},
): { examples: TokenizedExample[]; stats: TokenizeStats } {
  const tokenizer = createTokenizer(encoder, options);
  const out: TokenizedExample[] = [];
  for (const example of examples) {
    const tokenized = tokenizer.tokenize(example);
    if (tokenized !== undefined) out.push(tokenized);
  }
  return { examples: out, stats: tokenizer.stats() };
}
