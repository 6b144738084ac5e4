import type { Parameter } from '@lora/core';
import { describe, expect, test } from 'vitest';
import { TrainingError } from './errors.js';
import type { StepOptions, StepResult, TokenBatch, TrainableModel } from './model.js';
import { Trainer } from './trainer.js';
import { tempDir, toyExamples } from './trainer.test-support.js';

/** A quadratic "model" whose parameters are named like a LoRA adapter's; `fault` poisons one tensor on one call. */
class FaultyModel implements TrainableModel {
  readonly params: Parameter[] = [
    'model.layers.0.self_attn.q_proj.lora_A.weight',
    'model.layers.1.mlp.down_proj.lora_B.weight',
  ].map((name) => ({
    name,
    shape: [4],
    data: Float32Array.from([0.5, -0.25, 1, 2]),
    grad: new Float32Array(4),
    trainable: true,
    decay: true,
  }));
  calls = 0;
  constructor(readonly fault: { call: number; kind: 'loss' | 'grad' | 'param' }) {}

  parameters(): Parameter[] {
    return this.params;
  }

  step(batch: TokenBatch, options: StepOptions): StepResult {
    this.calls++;
    let tokens = 0;
    for (let r = 0; r < batch.batch; r++)
      for (let t = 1; t < batch.seqLen; t++) if (batch.labels[r * batch.seqLen + t] !== -100) tokens++;
    let lossSum = 0;
    for (const p of this.params) for (let i = 0; i < 4; i++) lossSum += tokens * p.data[i]! ** 2;
    if (options.backward) {
      for (const p of this.params)
        for (let i = 0; i < 4; i++)
          p.grad![i] = p.grad![i]! + 2 * tokens * p.data[i]! * (options.lossScale ?? 1);
    }
    const hit = this.calls === this.fault.call;
    if (hit && this.fault.kind === 'loss') lossSum = Number.POSITIVE_INFINITY;
    if (hit && this.fault.kind === 'grad') this.params[1]!.grad![2] = Number.NaN;
    if (hit && this.fault.kind === 'param') this.params[0]!.data[3] = -3.4e38; // the first update (−lr/(1−β1) = −1e38, grad > 0) overflows f32
    return { lossSum, tokens, correct: 0 };
  }
}

describe('NaN/Inf guard', () => {
  // batch 2 × accumulation 2: calls 3 and 4 are the micro-batches of step 2, call 2 the last one of step 1
  test.each([
    [
      'loss',
      4,
      2,
      undefined,
      /non-finite loss at step 2 \(micro-batch 2 of 2\): expected a finite loss sum, got Infinity/,
    ],
    [
      'grad',
      3,
      2,
      'model.layers.1.mlp.down_proj.lora_B.weight',
      /non-finite grad at step 2 \(micro-batch 1 of 2\): parameter "model.layers.1.mlp.down_proj.lora_B.weight" grad\[2\] is NaN, expected a finite value/,
    ],
    [
      'param',
      2,
      1,
      'model.layers.0.self_attn.q_proj.lora_A.weight',
      /non-finite param at step 1 \(after the AdamW update\): parameter "model.layers.0.self_attn.q_proj.lora_A.weight" param\[3\] is -Infinity/,
    ],
  ] as const)(
    'a bad %s on call %i stops step %i, naming the tensor and parameter',
    async (kind, call, step, parameter, message) => {
      const model = new FaultyModel({ call, kind });
      const trainer = new Trainer({
        model,
        trainDataset: toyExamples(16, 9, 1),
        config: {
          outputDir: await tempDir('guard'),
          padTokenId: 0,
          learningRate: kind === 'param' ? 1e37 : 0.01,
          batchSize: 2,
          gradientAccumulationSteps: 2,
          maxSteps: 4,
          saveSteps: 0,
          maxGradNorm: 0,
        },
      });
      const error = await trainer.train().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TrainingError);
      expect((error as Error).message).toMatch(message);
      expect(error).toMatchObject({ step, tensor: kind, parameter });
      if (kind !== 'loss') expect((error as TrainingError).index).toBe(kind === 'grad' ? 2 : 3);
    },
  );

  test('a model that miscounts the predicted tokens is stopped at once', async () => {
    const model = new FaultyModel({ call: -1, kind: 'loss' });
    const step = model.step.bind(model);
    model.step = (b, o) => ({ ...step(b, o), tokens: 1 });
    const trainer = new Trainer({
      model,
      trainDataset: toyExamples(4, 9, 1),
      config: { outputDir: await tempDir('count'), padTokenId: 0, batchSize: 2, maxSteps: 1, saveSteps: 0 },
    });
    await expect(trainer.train()).rejects.toThrow(
      /model.step at step 1 \(micro-batch 1 of 1\): expected \d+ predicted tokens \(labels after the shift\), got 1/,
    );
  });
});
