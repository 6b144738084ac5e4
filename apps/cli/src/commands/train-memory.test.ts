// lora train plans its memory before loading any weight: a run above what it may use (--max-memory, else 90% of
// RAM) is refused in one line naming what to change; --max-memory lets it go on; a tiny run prints its plan and trains.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { lastLine, runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

const root = tempDir('lora-cli-train-memory-');
let train = '';

beforeAll(async () => {
  await writeTinyModel(join(root, 'tiny'), 'llama');
  // the tiny tokenizer and vocabulary on Llama 3.1 405B's layers (126 × hidden 16384), with no weights at all
  await writeTinyModel(join(root, 'huge'), 'llama');
  const config = JSON.parse(readFileSync(join(root, 'huge', 'config.json'), 'utf8'));
  Object.assign(config, {
    hidden_size: 16384,
    intermediate_size: 53248,
    num_hidden_layers: 126,
    num_attention_heads: 128,
    num_key_value_heads: 8,
    head_dim: 128,
  });
  writeFileSync(join(root, 'huge', 'config.json'), JSON.stringify(config));
  rmSync(join(root, 'huge', 'model.safetensors'));
  train = (await writeTopicData(join(root, 'data'))).train;
}, 120_000);

const args = (model: string, output: string, ...more: string[]) => [
  'train',
  ...['--model', model, '--data', train, '--output', output, '--chat-template', 'zephyr'],
  ...['--max-steps', '1', '--batch-size', '2', '--lora-r', '2', '--eval-prompts', '0'],
  ...more,
];

describe('lora train against its memory plan', () => {
  test('a plan above the memory it may use is refused in one line before anything loads', async () => {
    const r = await runCli(args('huge', 'out-huge'), root);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(2); // one line and its newline
    expect(r.err).toMatch(
      /^lora train: the memory plan needs [\d.]+ GiB, above the [\d.]+ GiB this run may use \(90% of [\d.]+ GiB RAM; --max-memory sets it\); largest parts: base weights [\d.]+ GiB, /,
    );
    expect(r.err).toMatch(/(any one of these fits|no single change fits)/);
    expect(r.err).toMatch(/; or raise --max-memory to run anyway \(lora plan shows every part\)\n$/);
    expect(r.out).not.toMatch(/^model: /m); // no weight was read
    expect(existsSync(join(root, 'out-huge', 'adapter_model.safetensors'))).toBe(false);
  });

  test('the refusal names the flags that would make the run fit', async () => {
    const r = await runCli(args('huge', 'out-flags', '--quant', 'none', '--max-memory', '1TiB'), root);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/above the 1024\.00 GiB this run may use \(--max-memory 1TiB\)/);
    expect(r.err).toMatch(/any one of these fits: .*--quant nf4 \([\d.]+ GiB\)/);
  });

  test('--max-memory lets a run its plan says will not fit go on to load the model', async () => {
    const r = await runCli(args('huge', 'out-forced', '--max-memory', '4TiB'), root);
    expect(r.err).not.toMatch(/memory plan needs/);
    expect(r.out).toMatch(
      /^memory plan: [\d.]+ GiB at peak, within the 4096\.00 GiB this run may use \(--max-memory 4TiB\)/m,
    );
    expect(r.code).toBe(1);
    expect(lastLine(r.err)).toMatch(/safetensors/); // it got as far as reading weights, which this folder lacks
  });

  test('a tiny run prints its plan and trains', async () => {
    const r = await runCli(args('tiny', 'out-tiny'), root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^memory plan: [\d.]+ MiB at peak, within the [\d.]+ GiB this run may use \(90% of [\d.]+ GiB RAM; --max-memory sets it\); largest parts: /m,
    );
  });
});
