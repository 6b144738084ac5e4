// The trainer on a device whose largest array (8 KiB, the capped opaque backend) is smaller than the embedding
// (128 × 32 f32 = 16 KiB): the model keeps it in two row blocks, PEFT's modules_to_save trains both, the optimizer
// packs its arrays within the cap, and a stop + resume reproduces the uninterrupted run bit for bit.
import { join } from 'node:path';
import { onOpaqueBackend, toHost } from '@lora/core';
import { CausalLM, writeTinyCheckpoint } from '@lora/models';
import { injectLora, loraConfig } from '@lora/peft';
import { expectClose } from '@lora/testing';
import { expect, test } from 'vitest';
import type { TrainingConfig } from './config.js';
import { memoryStorage } from './memory-storage.js';
import type { RunStorage } from './run-storage.js';
import { Trainer } from './trainer.js';
import { readMetrics, tempDir, toyExamples } from './trainer.test-support.js';

const examples = toyExamples(8, 128, 4);
const config = (optim: TrainingConfig['optim'], resume = false): TrainingConfig => ({
  padTokenId: 0,
  learningRate: 0.01,
  batchSize: 2,
  gradientAccumulationSteps: 1,
  maxSteps: 4,
  maxGradNorm: 1,
  loggingSteps: 1,
  saveSteps: 2,
  optim,
  resume,
});

async function model(dir: string): Promise<CausalLM> {
  const m = await CausalLM.load(dir);
  injectLora(
    m,
    loraConfig({
      r: 2,
      lora_alpha: 4,
      target_modules: ['q_proj', 'v_proj'],
      modules_to_save: ['embed_tokens'],
    }),
  );
  return m;
}

async function run(
  m: CausalLM,
  optim: TrainingConfig['optim'],
  storage: RunStorage,
  stopAt?: number,
  resume = false,
) {
  const trainer: Trainer = new Trainer({
    model: m,
    trainDataset: examples,
    storage,
    config: config(optim, resume),
    onProgress: (e) => e.step === stopAt && trainer.requestStop(),
  });
  await trainer.train();
  return (await readMetrics(storage)).filter((e) => 'loss' in e).map((e) => e.loss!);
}

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
        await run(stopped, optim, storage, 2);
        const resumed = await model(dir);
        await resumed.useMemory(memory);
        await run(resumed, optim, storage, undefined, true);
        expect(await values(resumed)).toEqual(await values(split));
      } finally {
        memory.maxArrayBytes = undefined;
      }
    });
  },
);
