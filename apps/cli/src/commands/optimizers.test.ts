// --optim end to end on a tiny qwen2 checkpoint: SGD and bitsandbytes' 8-bit AdamW train, run_config.json records the
// name, each checkpoint holds that optimizer's state, and --resume with another optimizer is refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile } from '@lora/safetensors';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

const root = tempDir('lora-cli-optim-');
let data: { train: string; eval: string };

beforeAll(async () => {
  await writeTinyModel(join(root, 'model'), 'qwen2');
  data = await writeTopicData(join(root, 'data'));
}, 120_000);

// r 64 on hidden 32 / intermediate 64: down_proj's lora_A and gate/up's lora_B are 64 × 64 = 4096 elements, so
// bitsandbytes' rule (min_8bit_size 4096) gives them 8-bit state; the rest stay 32-bit
const args = (optim: string, output: string, lr: string) => [
  'train',
  ...['--model', 'model', '--data', data.train, '--output', output, '--optim', optim],
  ...['--chat-template', 'plain', '--max-length', '48', '--max-steps', '4', '--batch-size', '4'],
  ...['--lr', lr, '--lora-r', '64', '--lora-alpha', '64', '--save-steps', '2', '--logging-steps', '1'],
  ...['--eval-prompts', '0', '--seed', '3'],
];

const losses = (output: string) =>
  readFileSync(join(root, output, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { loss?: number })
    .flatMap((e) => (e.loss === undefined ? [] : [e.loss]));

async function optimizerFile(output: string) {
  const file = await SafetensorsFile.open(join(root, output, 'checkpoint-4', 'optimizer.safetensors'));
  const names = file.tensorNames();
  const dtypes = new Set(names.map((n) => file.info(n).dtype));
  const metadata = { ...file.metadata };
  await file.close();
  return { names, dtypes, metadata };
}

describe('--optim', () => {
  test.each([
    ['sgd', '0.5', 'sgd'],
    ['adamw_8bit', '1e-2', 'adamw_8bit'],
    ['paged_adamw_8bit', '1e-2', 'adamw_8bit'],
  ])(
    '%s trains, records the name in run_config.json and saves its state',
    async (optim, lr, runs) => {
      const r = await runCli(args(optim, optim, lr), root);
      expect(r.code, r.err).toBe(0);
      if (optim === 'paged_adamw_8bit')
        expect(r.err).toMatch(/^note: --optim: runs adamw_8bit: paging moves/m);
      const runConfig = JSON.parse(readFileSync(join(root, optim, 'run_config.json'), 'utf8'));
      expect(runConfig.optim).toBe(optim);
      const l = losses(optim);
      expect(l).toHaveLength(4);
      expect(l.every(Number.isFinite)).toBe(true);
      expect(l[3]!).toBeLessThan(l[0]!);
      const saved = await optimizerFile(optim);
      expect(saved.metadata).toMatchObject({ optimizer: runs, step: '4' });
      if (runs === 'sgd') expect(saved.names).toEqual([]);
      else {
        expect(saved.dtypes).toEqual(new Set(['F32', 'U8']));
        expect(saved.names.filter((n) => n.endsWith('.absmax1')).length).toBeGreaterThan(0);
      }
    },
    120_000,
  );

  test('--resume with another optimizer is refused, naming the change', async () => {
    const r = await runCli([...args('adamw_torch', 'sgd', '0.5'), '--resume'], root);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--optim sgd → adamw_torch/);
  }, 120_000);
});

describe('--loraplus-lr-ratio (LoRA+)', () => {
  test('is recorded in run_config.json and the optimizer state, and changes the trained adapter', async () => {
    const plain = await runCli(args('adamw_torch', 'adamw', '1e-3'), root);
    expect(plain.code, plain.err).toBe(0);
    const r = await runCli([...args('adamw_torch', 'loraplus', '1e-3'), '--loraplus-lr-ratio', '16'], root);
    expect(r.code, r.err).toBe(0);
    const runConfig = JSON.parse(readFileSync(join(root, 'loraplus', 'run_config.json'), 'utf8'));
    expect(runConfig.loraplus_lr_ratio).toBe(16);
    expect((await optimizerFile('loraplus')).metadata).toMatchObject({ loraplus_lr_ratio: '16' });
    expect((await optimizerFile('adamw')).metadata.loraplus_lr_ratio).toBeUndefined();
    const adapter = (output: string) => readFileSync(join(root, output, 'adapter_model.safetensors'));
    expect(adapter('loraplus').equals(adapter('adamw'))).toBe(false);
  }, 120_000);

  test('--resume with another ratio is refused, naming the change', async () => {
    const r = await runCli([...args('adamw_torch', 'loraplus', '1e-3'), '--resume'], root);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--loraplus-lr-ratio 16 → unset/);
  }, 120_000);
});
