import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { onOpaqueBackend, toHost } from '@lora/core';
import { packExamples } from '@lora/datasets';
import { CausalLM, memoryShapes, writeTinyCheckpoint } from '@lora/models';
import { injectLora, type LoraModel, loraConfig, saveAdapter } from '@lora/peft';
import { expectClose, hostF32 } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import type { TrainingConfig } from './config.js';
import { planMemory } from './memory-plan.js';
import type { TrainableModel, TrainExample } from './model.js';
import { nodeStorage } from './node-storage.js';
import type { RunStorage } from './run-storage.js';
import { Trainer } from './trainer.js';
import { readMetrics, tempDir, tempStorage, toyExamples } from './trainer.test-support.js';

// The contract with @lora/models and @lora/peft: a CausalLM (a tiny random Qwen2 checkpoint) with a LoRA adapter
// (dropout on, so resuming must restore the RNG) is a TrainableModel, and the adapter saves into each checkpoint.
async function tinyModel(dir: string, dropout = 0.1): Promise<{ model: CausalLM; lm: LoraModel }> {
  const model = await CausalLM.load(dir);
  const lm = injectLora(
    model,
    loraConfig({ r: 4, lora_alpha: 8, lora_dropout: dropout, target_modules: ['q_proj', 'v_proj'] }),
  );
  return { model, lm };
}

describe('Trainer with @lora/models CausalLM and a @lora/peft LoRA adapter', () => {
  test('trains, and a stop + resume reproduces the uninterrupted run bit for bit', async () => {
    const ckpt = join(await tempDir('tiny-qwen2'), 'model');
    await writeTinyCheckpoint(ckpt, 'qwen2');
    const examples = toyExamples(8, 64, 3);
    const config = (resume = false): TrainingConfig => ({
      padTokenId: 0,
      learningRate: 0.05,
      batchSize: 2,
      gradientAccumulationSteps: 2,
      maxSteps: 4,
      loggingSteps: 1,
      saveSteps: 0,
      resume,
    });
    const fullStorage = await tempStorage('lm-full');
    const full = await tinyModel(ckpt);
    expect(
      full.model
        .parameters()
        .filter((p) => p.trainable)
        .map((p) => p.name),
    ).toEqual(full.lm.trainableParameters().map((p) => p.name));
    const model: TrainableModel = full.model;
    await new Trainer({ model, trainDataset: examples, config: config(), storage: fullStorage }).train();
    const losses = (await readMetrics(fullStorage)).filter((e) => 'loss' in e).map((e) => e.loss!);
    expect(losses).toHaveLength(4);
    expect(losses.every(Number.isFinite)).toBe(true);

    const dir = await tempDir('lm-resume');
    const stopped = await tinyModel(ckpt);
    const first: Trainer = new Trainer({
      model: stopped.model,
      trainDataset: examples,
      config: config(),
      storage: await nodeStorage(dir),
      saveAdapter: (folder) => saveAdapter(folder.localPath!, stopped.lm),
      onProgress: (e) => e.step === 2 && first.requestStop(),
    });
    expect((await first.train()).stopped).toBe(true);
    expect(await readdir(join(dir, 'checkpoint-2'))).toEqual(
      expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors']),
    );
    const resumed = await tinyModel(ckpt);
    await new Trainer({
      model: resumed.model,
      trainDataset: examples,
      config: config(true),
      storage: await nodeStorage(dir),
    }).train();
    const a = full.model.parameters();
    resumed.model.parameters().forEach((p, i) => {
      expect(Array.from(hostF32(p.data)), p.name).toEqual(Array.from(hostF32(a[i]!.data)));
    });
  });

  test('on a device backend (opaque arrays) each step reads back once, and the run equals the host run bit for bit', async () => {
    const ckpt = join(await tempDir('tiny-qwen2-device'), 'model');
    await writeTinyCheckpoint(ckpt, 'qwen2');
    const config: TrainingConfig = {
      padTokenId: 0,
      learningRate: 0.05,
      batchSize: 2,
      gradientAccumulationSteps: 2,
      maxSteps: 3,
      maxGradNorm: 0.5,
      neftuneNoiseAlpha: 5, // with LoRA dropout 0.1: the seeds the generator hands out must match too
      loggingSteps: 1,
      saveSteps: 0,
    };
    const examples = toyExamples(8, 64, 3);
    const logged = async (storage: RunStorage) =>
      (await readMetrics(storage))
        .filter((e) => 'loss' in e)
        .map((e) => [e.loss, e.grad_norm, e.mean_token_accuracy]);

    const onHost = await tinyModel(ckpt);
    const hostStorage = await tempStorage('lm-host');
    await new Trainer({ model: onHost.model, trainDataset: examples, config, storage: hostStorage }).train();

    const onDevice = await onOpaqueBackend(async (memory) => {
      const { model } = await tinyModel(ckpt);
      await model.useMemory(memory);
      const reads = memory.reads.length;
      const deviceStorage = await tempStorage('lm-device');
      await new Trainer({ model, trainDataset: examples, config, storage: deviceStorage }).train();
      // one read per optimizer step: [loss, tokens, hits, bad grads] × 2 micro-batches + 4 step values
      expect(memory.reads.slice(reads)).toEqual([12, 12, 12]);
      const params = await Promise.all(model.parameters().map(async (p) => Array.from(await toHost(p.data))));
      return { params, metrics: await logged(deviceStorage) };
    });
    expect(onDevice.metrics).toEqual(await logged(hostStorage));
    onHost.model.parameters().forEach((p, i) => {
      expect(onDevice.params[i], p.name).toEqual(Array.from(hostF32(p.data)));
    });
  });

  test('packed blocks train like their examples unpacked (same loss and gradient norm); unrestarted blocks do not', async () => {
    const ckpt = join(await tempDir('tiny-qwen2-packed'), 'model');
    await writeTinyCheckpoint(ckpt, 'qwen2');
    const examples = [
      { inputIds: [5, 9, 12, 7], labels: [-100, 9, 12, 7] },
      { inputIds: [3, 4, 8], labels: [3, 4, 8] },
      { inputIds: [11, 2, 6, 10, 13], labels: [-100, -100, 6, 10, 13] },
      { inputIds: [14, 15], labels: [14, 15] },
    ];
    const { blocks } = packExamples(examples, { maxLength: 8 });
    expect(blocks.map((b) => b.sequenceStarts)).toEqual([
      [0, 4],
      [0, 5],
    ]);
    const firstStep = async (label: string, data: TrainExample[], batchSize: number) => {
      const { model } = await tinyModel(ckpt, 0);
      const storage = await tempStorage(label);
      const config = {
        padTokenId: 0,
        batchSize,
        maxSteps: 1,
        loggingSteps: 1,
        saveSteps: 0,
        shuffle: false,
      };
      await new Trainer({ model, trainDataset: data, config, storage }).train();
      return (await readMetrics(storage)).find((e) => 'loss' in e)!;
    };
    const unpacked = await firstStep('unpacked', examples, 4);
    const packed = await firstStep('packed', blocks, 2);
    expectClose(
      [packed.loss!, packed.grad_norm!],
      [unpacked.loss!, unpacked.grad_norm!],
      { rtol: 1e-5 },
      'loss, grad_norm',
    );
    // the same blocks without their starts: positions run on and examples see each other
    const contiguous = await firstStep(
      'contiguous',
      blocks.map((b) => ({ inputIds: b.inputIds, labels: b.labels })),
      2,
    );
    expect(Math.abs(contiguous.loss! - unpacked.loss!)).toBeGreaterThan(1e-4);
  });

  test.each(['llama', 'qwen2', 'gpt2', 'gemma'] as const)(
    'planMemory counts the parameters a real %s CausalLM holds, and their f32 bytes',
    async (arch) => {
      const dir = join(await tempDir(`tiny-${arch}`), 'model');
      await writeTinyCheckpoint(dir, arch);
      const model = await CausalLM.load(dir);
      const params = model.parameters();
      const plan = planMemory({
        model: memoryShapes(model.config),
        quant: 'none',
        loraRank: 4,
        targetModules: [arch === 'gpt2' ? 'c_attn' : 'q_proj'],
        batchSize: 1,
        seqLen: 8,
      });
      expect(plan.counts.baseParameters).toBe(params.reduce((s, p) => s + p.data.length, 0));
      expect(plan.parts.baseWeights).toBe(params.reduce((s, p) => s + hostF32(p.data).byteLength, 0));
    },
  );
});
