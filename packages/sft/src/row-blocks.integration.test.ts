// The trainer on a device whose largest array (the capped opaque backend, which refuses any larger one) is smaller
// than the embedding (128 × 32 f32 = 16 KiB): the model keeps it in row blocks, PEFT's modules_to_save trains them,
// the optimizer packs its arrays within the cap, and a stop + resume reproduces the uninterrupted run bit for bit.
// Under 9,000 B a block is 70 rows (2,240 f32, 8,960 B): 8-bit AdamW starts each tensor at a multiple of 256, and
// padding that block to 2,304 elements (9,216 B) would allocate above the cap.
import { join } from 'node:path';
import { onOpaqueBackend, toHost } from '@lora/core';
import { type CausalLM, writeTinyCheckpoint } from '@lora/models';
import { expectClose } from '@lora/testing';
import { expect, test } from 'vitest';
import { memoryStorage } from './memory-storage.js';
import { splitRun as run, splitEmbeddingModel } from './split-embedding.test-support.js';
import { tempDir } from './trainer.test-support.js';

const model = async (dir: string): Promise<CausalLM> => (await splitEmbeddingModel(dir)).model as CausalLM;

const values = async (m: CausalLM) =>
  Promise.all(m.parameters().map(async (p) => Array.from(await toHost(p.data))));

const CASES = [
  ['adamw_torch', 8192, [64, 64]],
  ['adamw_8bit', 8192, [64, 64]],
  ['adamw_torch', 9000, [70, 58]],
  ['adamw_8bit', 9000, [70, 58]],
] as const;

test.each(CASES)(
  '%s under %i B: a split trainable embedding trains as the whole one does, and resumes bit for bit',
  async (optim, cap, rows) => {
    const dir = join(await tempDir('tiny-qwen2-blocks'), 'model');
    await writeTinyCheckpoint(dir, 'qwen2'); // vocabulary 128, hidden 32, tied
    const whole = await model(dir);
    const wholeLosses = await run(whole, optim, memoryStorage());
    await onOpaqueBackend(async (memory) => {
      memory.maxArrayBytes = cap;
      try {
        const split = await model(dir);
        await split.useMemory(memory);
        const blocks = split.parameters().filter((p) => p.rowBlock);
        expect(blocks.map((p) => [p.name, p.shape, p.trainable])).toEqual(
          rows.map((n) => ['model.embed_tokens.weight', [n, 32], true]),
        );
        const losses = await run(split, optim, memoryStorage());
        expectClose(losses, wholeLosses, { rtol: 1e-4, atol: 1e-6 }, 'losses');

        const storage = memoryStorage();
        const stopped = await model(dir);
        await stopped.useMemory(memory);
        await run(stopped, optim, storage, { stopAt: 2 });
        const resumed = await model(dir);
        await resumed.useMemory(memory);
        await run(resumed, optim, storage, { resume: true });
        expect(await values(resumed)).toEqual(await values(split));
      } finally {
        memory.maxArrayBytes = undefined;
      }
    });
  },
);
