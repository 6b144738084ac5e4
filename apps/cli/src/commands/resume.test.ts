// A run killed mid-training and resumed writes the same adapter, byte for byte, as a run never interrupted;
// Ctrl-C saves a checkpoint and exits 130.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { runCli } from '../test-support/capture-io.js';
import { spawnCli, waitForPath } from '../test-support/spawn-cli.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

const root = tempDir('lora-cli-resume-');
const args = (output: string) => [
  'train',
  '--model',
  'model',
  '--data',
  'data/train.jsonl',
  '--eval-data',
  'data/eval.jsonl',
  '--output',
  output,
  '--max-steps',
  '60',
  '--batch-size',
  '4',
  '--save-steps',
  '10',
  '--eval-steps',
  '30',
  '--lora-dropout',
  '0.1',
  '--lr',
  '5e-3',
  '--eval-prompts',
  '2',
  '--max-new-tokens',
  '2',
  '--logging-steps',
  '10',
];
let reference: Buffer;

beforeAll(async () => {
  await writeTinyModel(join(root, 'model'), 'qwen2');
  await writeTopicData(join(root, 'data'), { train: 48, eval: 8 });
  const r = await runCli(args('uninterrupted'), root);
  expect(r.code, r.err).toBe(0);
  reference = readFileSync(join(root, 'uninterrupted', 'adapter_model.safetensors'));
});

describe('resume', () => {
  test('a killed run resumed with --resume gives the identical adapter (bytes)', async () => {
    const spawned = spawnCli(args('killed'), root);
    await waitForPath(join(root, 'killed', 'checkpoint-10'), spawned);
    spawned.child.kill('SIGKILL');
    const { signal } = await spawned.exit;
    expect(signal).toBe('SIGKILL');
    expect(
      existsSync(join(root, 'killed', 'adapter_model.safetensors')),
      'the run was killed before it finished',
    ).toBe(false);
    const resumed = await runCli([...args('killed'), '--resume'], root);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toMatch(/resuming from .*checkpoint-\d+/);
    const adapter = readFileSync(join(root, 'killed', 'adapter_model.safetensors'));
    expect(adapter.equals(reference)).toBe(true);
  });

  test('Ctrl-C saves a checkpoint and exits 130; --resume then finishes the same run', async () => {
    const spawned = spawnCli(args('interrupted'), root);
    await waitForPath(join(root, 'interrupted', 'checkpoint-10'), spawned);
    spawned.child.kill('SIGINT');
    const { code } = await spawned.exit;
    expect(code, spawned.output()).toBe(130);
    expect(spawned.output()).toMatch(
      /interrupted: checkpoint saved in .*checkpoint-\d+; continue with --resume/,
    );
    expect(existsSync(join(root, 'interrupted', 'adapter_model.safetensors'))).toBe(false);
    const resumed = await runCli([...args('interrupted'), '--resume'], root);
    expect(resumed.code, resumed.err).toBe(0);
    expect(readFileSync(join(root, 'interrupted', 'adapter_model.safetensors')).equals(reference)).toBe(true);
  });
});
