// The trainer with each `optim`: the loss goes down, a checkpoint holds the optimizer's own state under its
// state_dict names, resume is byte-exact, and resuming with another optimizer is refused.
import type { F32 } from '@lora/core';
import { SafetensorsBuffer } from '@lora/safetensors';
import { hostF32 } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import type { TrainingConfig } from './config.js';
import type { OptimizerName } from './optimizer.js';
import type { RunStorage } from './run-storage.js';
import { ToyLM } from './toy-model.js';
import { Trainer } from './trainer.js';
import { memoryStorage } from './memory-storage.js';
import { readMetrics, toyExamples } from './trainer.test-support.js';

// vocab 70, hidden 64: the embedding and lm_head (70 × 64 = 4480) and fc (64 × 64 = 4096) are at least bitsandbytes'
// min_8bit_size, so adamw_8bit keeps their moments in 8 bits; the bias (64) stays 32-bit
const VOCAB = 70;
const train = toyExamples(12, VOCAB, 51);

const OPTIMIZERS: readonly [OptimizerName, Partial<TrainingConfig>][] = [
  ['sgd', { learningRate: 0.5, weightDecay: 0.01 }],
  ['adamw_torch', { learningRate: 0.01, weightDecay: 0.01 }],
  ['adamw_8bit', { learningRate: 0.01, weightDecay: 0.01 }],
];

function makeTrainer(
  optim: OptimizerName,
  extra: Partial<TrainingConfig>,
  storage: RunStorage,
  resume: boolean,
  stopAt?: number,
) {
  const model = new ToyLM({ vocabSize: VOCAB, hiddenSize: 64, dropout: 0.1, seed: 5 });
  const trainer: Trainer = new Trainer({
    model,
    trainDataset: train,
    storage,
    config: {
      padTokenId: 0,
      batchSize: 2,
      gradientAccumulationSteps: 1,
      maxSteps: 8,
      maxGradNorm: 1,
      loggingSteps: 1,
      saveSteps: 100,
      optim,
      ...extra,
      resume,
    },
    onProgress: (e) => e.step === stopAt && trainer.requestStop(),
  });
  return { trainer, model };
}

const bytes = (data: F32) => {
  const v = hostF32(data);
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
};

describe.each(OPTIMIZERS)('optim %s', (optim, extra) => {
  test('the training loss goes down', async () => {
    const storage = memoryStorage();
    await makeTrainer(optim, extra, storage, false).trainer.train();
    const losses = (await readMetrics(storage)).filter((e) => 'loss' in e).map((e) => e.loss!);
    expect(losses).toHaveLength(8);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-3))).toBeLessThan(mean(losses.slice(0, 3)));
  });

  test('run 8 steps == run 3, stop, resume to 8: parameters, metrics and checkpoint files byte for byte', async () => {
    const fullStorage = memoryStorage();
    const full = makeTrainer(optim, extra, fullStorage, false);
    await full.trainer.train();
    const storage = memoryStorage();
    expect(await makeTrainer(optim, extra, storage, false, 3).trainer.train()).toMatchObject({
      stopped: true,
      globalStep: 3,
    });
    const resumed = makeTrainer(optim, extra, storage, true);
    expect(await resumed.trainer.train()).toMatchObject({ stopped: false, globalStep: 8 });
    full.model.parameters().forEach((p, i) => {
      expect(bytes(resumed.model.parameters()[i]!.data).equals(bytes(p.data)), p.name).toBe(true);
    });
    const drop = (entries: Record<string, number>[]) =>
      entries.map(({ tokens_per_sec, peak_memory_mb, train_runtime, ...rest }) => rest);
    expect(drop(await readMetrics(storage))).toEqual(drop(await readMetrics(fullStorage)));
    for (const name of ['optimizer.safetensors', 'trainable.safetensors']) {
      const [x, y] = await Promise.all([
        fullStorage.readFile(`checkpoint-8/${name}`),
        storage.readFile(`checkpoint-8/${name}`),
      ]);
      expect(Buffer.from(x!).equals(Buffer.from(y!)), name).toBe(true);
    }
    const saved = new SafetensorsBuffer(
      (await storage.readFile('checkpoint-8/optimizer.safetensors'))!,
      'opt',
    );
    expect(saved.metadata).toMatchObject({ optimizer: optim, step: '8' });
  });

  test('resuming with another optimizer is refused, naming both', async () => {
    const storage = memoryStorage();
    await makeTrainer(optim, extra, storage, false, 2).trainer.train();
    const other: OptimizerName = optim === 'sgd' ? 'adamw_torch' : 'sgd';
    await expect(makeTrainer(other, extra, storage, true).trainer.train()).rejects.toThrow(
      `the optimizer was ${optim} when it was saved, got ${other}; resume with optim ${optim}`,
    );
  });
});

test('sgd saves no state tensors: torch.optim.SGD at momentum 0 has no momentum_buffer', async () => {
  const storage = memoryStorage();
  await makeTrainer('sgd', { learningRate: 0.5 }, storage, false, 1).trainer.train();
  const saved = new SafetensorsBuffer((await storage.readFile('checkpoint-1/optimizer.safetensors'))!, 'opt');
  expect(saved.tensorNames()).toEqual([]);
  expect(saved.metadata).toEqual({ optimizer: 'sgd', step: '1', momentum: '0', weight_decay: '0' });
});

test('adamw_8bit saves bitsandbytes state_dict names: uint8 codes and absmax for big tensors, float32 for small', async () => {
  const storage = memoryStorage();
  await makeTrainer('adamw_8bit', { learningRate: 0.01 }, storage, false, 1).trainer.train();
  const saved = new SafetensorsBuffer((await storage.readFile('checkpoint-1/optimizer.safetensors'))!, 'opt');
  const info = (name: string) => {
    const { dtype, shape } = saved.info(name);
    return { dtype, shape };
  };
  expect(saved.metadata).toMatchObject({
    optimizer: 'adamw_8bit',
    step: '1',
    optim_bits: '8',
    min_8bit_size: '4096',
  });
  expect(info('qmap1')).toEqual({ dtype: 'F32', shape: [256] });
  expect(info('lm_head.weight.state1')).toEqual({ dtype: 'U8', shape: [VOCAB, 64] });
  expect(info('lm_head.weight.state2')).toEqual({ dtype: 'U8', shape: [VOCAB, 64] });
  expect(info('lm_head.weight.absmax1')).toEqual({ dtype: 'F32', shape: [Math.ceil((VOCAB * 64) / 256)] });
  expect(info('model.fc.weight.absmax2')).toEqual({ dtype: 'F32', shape: [16] });
  expect(info('model.fc.bias.state1')).toEqual({ dtype: 'F32', shape: [64] });
  expect(saved.has('model.fc.bias.absmax1')).toBe(false);
});
