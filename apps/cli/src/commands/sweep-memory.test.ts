// A sweep's trials do not pile up in the wasm memory: each trial runs in a fresh backend memory (the previous
// trial's model is garbage and goes with its memory), so what is resident after three trials is what one trial holds.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { wasmMemory } from '@lora/backend-wasm';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

const root = tempDir('lora-cli-sweep-memory-');
let data = { train: '', eval: '' };

beforeAll(async () => {
  await writeTinyModel(join(root, 'model'), 'qwen2');
  data = await writeTopicData(join(root, 'data'));
}, 120_000);

/** A grid sweep over `lrs` (same shapes in every trial), on the wasm backend. */
function sweepConfig(name: string, lrs: string[]): string {
  const path = join(root, `${name}.yml`);
  writeFileSync(
    path,
    [
      'model: model',
      `data: ${data.train}`,
      `eval_data: ${data.eval}`,
      `output: ${name}`,
      'backend: wasm',
      'quant: none',
      'lora_r: 4',
      'max_steps: 2',
      'eval_prompts: 0',
      'sweep:',
      '  method: grid',
      '  parameters:',
      `    lr: [${lrs.join(', ')}]`,
      '',
    ].join('\n'),
  );
  return path;
}

describe('lora sweep on wasm', () => {
  test('after three trials the wasm memory holds what one trial holds', async () => {
    const one = await runCli(['sweep', '--config', sweepConfig('one', ['1.0e-3'])], root);
    expect(one.code, one.err).toBe(0);
    expect(wasmMemory(), 'the wasm backend keeps arrays in its own (shared) memory').toBeDefined();
    const single = wasmMemory()!.stats();
    expect(single.residentBytes).toBeGreaterThan(0);
    const three = await runCli(
      ['sweep', '--config', sweepConfig('three', ['1.0e-3', '2.0e-3', '3.0e-3'])],
      root,
    );
    expect(three.code, three.err).toBe(0);
    const after = wasmMemory()!.stats();
    expect(after.residentBytes).toBe(single.residentBytes);
    expect(after.spilledBytes).toBe(0);
  }, 120_000);
});
