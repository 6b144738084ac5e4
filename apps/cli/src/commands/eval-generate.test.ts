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
