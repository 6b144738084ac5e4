// The trainer on a device whose largest array (8 KiB, the capped opaque backend) is smaller than the embedding
// (128 × 32 f32 = 16 KiB): the model keeps it in two row blocks, PEFT's modules_to_save trains both, the optimizer
// packs its arrays within the cap, and a stop + resume reproduces the uninterrupted run bit for bit.
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

test.each(['adamw_torch', 'adamw_8bit'] as const)(
  '%s: a split trainable embedding trains as the whole one does, and resumes bit for bit',
  async (optim) => {
    const dir = join(await tempDir('tiny-qwen2-blocks'), 'model');
    await writeTinyCheckpoint(dir, 'qwen2'); // vocabulary 128, hidden 32, tied
    const whole = await model(dir);
    const wholeLosses = await run(whole, optim, memoryStorage());
    await onOpaqueBackend(async (memory) => {
      memory.maxArrayBytes = 8192;
      try {
        const split = await model(dir);
        await split.useMemory(memory);
        const blocks = split.parameters().filter((p) => p.rowBlock);
        expect(blocks.map((p) => [p.name, p.shape, p.trainable])).toEqual([
          ['model.embed_tokens.weight', [64, 32], true],
          ['model.embed_tokens.weight', [64, 32], true],
        ]);
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
