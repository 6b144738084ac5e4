// eval and generate end to end on a tiny qwen2 checkpoint: --compare (base vs adapter), --label-field (a
// classification report on the generated answers), and greedy / seeded / raw generation.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { lastLine, runCli } from '../test-support/capture-io.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

describe('eval --compare / --label-field and generate on a tiny qwen2 checkpoint', () => {
  const root = tempDir('lora-cli-eval-');
  let data: { train: string; eval: string };

  test('--compare writes base vs adapter and the JSON carries both', async () => {
    await writeTinyModel(join(root, 'model'), 'qwen2');
    data = await writeTopicData(join(root, 'data'));
    const trained = await runCli(
      [
        'train',
        '--model',
        'model',
        '--data',
        data.train,
        '--output',
        'a',
        '--max-steps',
        '3',
        '--lr',
        '1e-2',
        '--eval-prompts',
        '0',
      ],
      root,
    );
    expect(trained.code, trained.err).toBe(0);
    const r = await runCli(
      [
        'eval',
        '--model',
        'model',
        '--adapter',
        'a',
        '--data',
        data.eval,
        '--compare',
        '--generate',
        '--max-new-tokens',
        '2',
        '--json',
      ],
      root,
    );
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(lastLine(r.out));
    expect(result.base.total).toBe(8);
    expect(result.base.loss).not.toBe(result.loss);
    const md = readFileSync(join(root, 'a', 'compare.md'), 'utf8');
    expect(md).toMatch(/\| metric +\| +base \| +adapter \|/);
    expect(md).toContain('## Generated answers');
  });

  test('--label-field scores the generated answers against that field', async () => {
    const lines = readFileSync(data.eval, 'utf8')
      .trim()
      .split('\n')
      .map((l, i) => ({ ...JSON.parse(l), topic: i % 2 ? 'yes' : 'no' }));
    const file = join(root, 'labelled.jsonl');
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
    const r = await runCli(
      [
        'eval',
        '--model',
        'model',
        '--adapter',
        'a',
        '--data',
        file,
        '--label-field',
        'topic',
        '--max-new-tokens',
        '2',
        '--json',
      ],
      root,
    );
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(lastLine(r.out));
    expect(result.total).toBe(8);
    expect(result.confusion_matrix.labels).toEqual(['no', 'yes']);
    expect(result.confusion_matrix.columns).toEqual(['no', 'yes', '(other)']);
  });

  test('--label-field on {instruction, input, label} records (no output): the label is the answer', async () => {
    const records = readFileSync(data.eval, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { instruction: string; input?: string; output: string })
      .map(({ instruction, input, output }) => ({ instruction, input: input ?? '', label: output }));
    const file = join(root, 'test.jsonl');
    writeFileSync(file, records.map((l) => JSON.stringify(l)).join('\n'));
    const r = await runCli(
      ['eval', '--adapter', 'a', '--model', 'model', '--data', file, '--label-field', 'label'],
      root,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('data: records have no answer field, so "label" (--label-field) is the answer');
    const json = await runCli(
      ['eval', '--adapter', 'a', '--model', 'model', '--data', file, '--label-field', 'label', '--json'],
      root,
    );
    const result = JSON.parse(lastLine(json.out));
    expect(result.total).toBe(records.length);
    expect(result.answer_kind).toBe('labels');
    expect(result.metric).toBe('accuracy');
    const labels = [...new Set(records.map((x) => x.label.toLowerCase()))].sort();
    expect(Object.keys(result.per_class).sort()).toEqual(labels);
    for (const key of ['macro_f1', 'weighted_f1', 'weighted_precision', 'weighted_recall'])
      expect(result[key]).toBeGreaterThanOrEqual(0);
    const predictions = join(root, 'predictions.jsonl');
    const written = await runCli(
      [
        ...['eval', '--adapter', 'a', '--model', 'model', '--data', file, '--label-field', 'label'],
        ...['--predictions', predictions],
      ],
      root,
    );
    expect(written.code, written.err).toBe(0);
    const rows = readFileSync(predictions, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { index: number; expected: string; generated: string; correct: boolean });
    expect(rows.map((r) => r.expected)).toEqual(records.map((x) => x.label));
    expect(rows.filter((r) => r.correct).length).toBe(result.correct);
    const again = await runCli(
      ['eval', '--adapter', 'a', '--model', 'model', '--data', file, '--label-field', 'label', '--predictions', predictions],
      root,
    );
    expect(again.err).toBe(
      `lora: --predictions ${predictions}: expected a new file, got an existing one; remove it or name another\n`,
    );
  });

  test('generate: greedy is repeatable, a seed fixes sampling, --raw skips the template', async () => {
    const prompt = ['--prompt', 'the striker scored', '--max-new-tokens', '6'];
    const greedy = async () =>
      (
        await runCli(
          ['generate', '--model', 'model', '--adapter', 'a', ...prompt, '--temperature', '0'],
          root,
        )
      ).out;
    expect(await greedy()).toBe(await greedy());
    const sampled = async (seed: string) =>
      (
        await runCli(
          ['generate', '--model', 'model', ...prompt, '--temperature', '1.5', '--seed', seed],
          root,
        )
      ).out;
    expect(await sampled('1')).toBe(await sampled('1'));
    const raw = await runCli(
      ['generate', '--model', 'model', '--raw', ...prompt, '--temperature', '0'],
      root,
    );
    expect(raw.code, raw.err).toBe(0);
    expect(raw.out.startsWith('the striker scored')).toBe(true);
  });
});
