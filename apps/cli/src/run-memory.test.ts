import { architectureSpec, parseModelConfig } from '@lora/models';
import { expect, test } from 'vitest';
import { UsageError } from './errors.js';
import type { Options } from './options.js';
import { type PlanInputOptions, planRun } from './run-memory.js';

const config = parseModelConfig({ ...architectureSpec({ architecture: 'llama' } as never).tinyConfig });
const options = {
  values: {
    quant: 'none',
    double_quant: false,
    lora_r: 4,
    target_modules: ['q_proj'],
    lora_dropout: 0,
    batch_size: 1,
    gradient_checkpointing: false,
  },
  label: (key: string) => `--${key.replaceAll('_', '-')}`,
  given: () => false,
} as unknown as Options<PlanInputOptions>;

test("the selected backend's largest array plans the embedding as row blocks, and refuses a row above it", () => {
  // the tiny llama: vocabulary 128, hidden 32 — a (128, 32) f32 table is 16 KiB, a row 128 B
  const plan = planRun(config, options, 16, 8192); // gate_proj (64, 32) f32 is 8 KiB, read whole
  expect(plan.rowBlocks.find((t) => t.name === 'model.embed_tokens.weight')).toEqual({
    name: 'model.embed_tokens.weight',
    rows: 128,
    rowsPerBlock: 64,
    blocks: 2,
  });
  expect(() => planRun(config, options, 16, 100)).toThrow(UsageError);
  expect(() => planRun(config, options, 16, 100)).toThrow(
    'the selected backend\'s memory: maxArrayBytes: tensor "model.embed_tokens.weight" needs 128 bytes in one array',
  );
});
