import { readFileSync } from 'node:fs';
import type { Parameter } from '@lora/core';
import { expectClose, hostF32 } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { AdamW8bit } from './adamw-8bit.js';
import { createOptimizer } from './create-optimizer.js';
import { isLoraplusB } from './loraplus.js';
import type { Optimizer } from './optimizer.js';
import { memoryStorage } from './memory-storage.js';
import { ToyLM } from './toy-model.js';
import { Trainer } from './trainer.js';
import { toyExamples } from './trainer.test-support.js';

interface Run {
  initial: Record<string, number[]>;
  grads: Record<string, number[]>[];
  final: Record<string, number[]>;
}
const golden = JSON.parse(
  readFileSync(new URL('../fixtures/loraplus-golden.json', import.meta.url), 'utf8'),
) as {
  params: [string, number[]][];
  lrs: number[];
  ratio: number;
  weight_decay: number;
  betas: [number, number];
  eps: number;
  adamw: Run;
  sgd: Run;
};

/** The golden's parameters, trainable, with transformers' decay rule (no decay for names holding "bias"). */
function params(run: Run): Parameter[] {
  return golden.params.map(([name, shape]) => ({
    name,
    shape,
    data: Float32Array.from(run.initial[name]!),
    grad: new Float32Array(run.initial[name]!.length),
    trainable: true,
    decay: !name.includes('bias'),
  }));
}

function train(optimizer: Optimizer, run: Run): void {
  golden.lrs.forEach((lr, step) => {
    for (const p of optimizer.params) hostF32(p.grad!).set(run.grads[step]![p.name]!);
    optimizer.step(lr);
  });
}

const options = {
  beta1: golden.betas[0],
  beta2: golden.betas[1],
  eps: golden.eps,
  weightDecay: golden.weight_decay,
  loraplusLrRatio: golden.ratio,
};

describe('LoRA+ against torch over PEFT create_loraplus_optimizer groups (fixtures/loraplus_torch.py)', () => {
  test.each([
    ['adamw_torch', 'adamw'],
    ['sgd', 'sgd'],
  ] as const)('%s: every parameter after the reference steps (%s)', (optim, key) => {
    const run = golden[key];
    const optimizer = createOptimizer(optim, params(run), options);
    train(optimizer, run);
    for (const p of optimizer.params)
      expectClose(hostF32(p.data), run.final[p.name]!, { rtol: 2e-6, atol: 1e-7 }, `${optim} ${p.name}`);
  });

  test('without the ratio the B groups move as A does, and differ from the reference', () => {
    const run = golden.adamw;
    const optimizer = createOptimizer('adamw_torch', params(run), { ...options, loraplusLrRatio: undefined });
    train(optimizer, run);
    const b = optimizer.params.find((p) => p.name.endsWith('lora_B.weight'))!;
    const a = optimizer.params.find((p) => p.name.endsWith('lora_A.weight'))!;
    expect(Math.max(...hostF32(b.data).map((v, k) => Math.abs(v - run.final[b.name]![k]!)))).toBeGreaterThan(
      1e-3,
    );
    expectClose(
      hostF32(a.data),
      run.final[a.name]!,
      { rtol: 2e-6, atol: 1e-7 },
      'lora_A is LoRA+-independent',
    );
  });

  test('groups: PEFT rule (lora_B or 1-D → lr × ratio), split by decay', () => {
    const optimizer = createOptimizer('adamw_torch', params(golden.adamw), options);
    const shown = optimizer.groups.map((g) => ({
      decay: g.decay,
      lrScale: g.lrScale,
      params: g.params.map((p) => p.name.replace('base_model.model.', '')),
    }));
    expect(shown).toEqual([
      { decay: true, lrScale: 1, params: ['l0.q_proj.lora_A.weight', 'lm_head.weight'] },
      { decay: true, lrScale: 16, params: ['l0.q_proj.lora_B.weight', 'l0.q_proj.lora_magnitude_vector'] },
      { decay: false, lrScale: 16, params: ['l0.q_proj.base_layer.bias'] },
    ]);
    expect(golden.params.map(([name, shape]) => isLoraplusB({ name, shape } as Parameter))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  test('8-bit AdamW scales the same groups (tensors under 4096 elements keep 32-bit state: AdamW exactly)', () => {
    const run = golden.adamw;
    const [eight, plain] = [
      new AdamW8bit(params(run), options),
      createOptimizer('adamw_torch', params(run), options),
    ];
    train(eight, run);
    train(plain, run);
    eight.params.forEach((p, i) => {
      expect(hostF32(p.data)).toEqual(hostF32(plain.params[i]!.data));
    });
  });

  test.each([0, -1, Number.NaN])('a ratio of %s is refused by name', (ratio) => {
    expect(() => createOptimizer('sgd', params(golden.sgd), { loraplusLrRatio: ratio })).toThrowError(
      'loraplusLrRatio: expected a finite number > 0',
    );
  });
});

describe('LoRA+ through the Trainer: saved with checkpoints, resumed byte for byte, a changed ratio refused', () => {
  const data = toyExamples(8, 11, 5);
  const trainer = (
    storage: ReturnType<typeof memoryStorage>,
    ratio: number | undefined,
    resume: boolean,
    stopAt?: number,
  ) => {
    const model = new ToyLM({ vocabSize: 11, hiddenSize: 8, seed: 4 });
    const t: Trainer = new Trainer({
      model,
      trainDataset: data,
      storage,
      config: {
        padTokenId: 0,
        learningRate: 0.02,
        batchSize: 2,
        maxSteps: 4,
        weightDecay: 0.05,
        saveSteps: 100,
        loggingSteps: 1,
        resume,
        ...(ratio !== undefined ? { loraplusLrRatio: ratio } : {}),
      },
      onProgress: (e) => {
        if (e.step === stopAt) t.requestStop();
      },
    });
    return { t, model };
  };
  const bytes = (p: Parameter) => Buffer.from(hostF32(p.data).buffer.slice(0));

  test('run 2, stop, resume to 4 == run 4 straight; the ratio is in optimizer.safetensors', async () => {
    const full = trainer(memoryStorage(), 4, false);
    await full.t.train();
    const storage = memoryStorage();
    await trainer(storage, 4, false, 2).t.train();
    const meta = await storage.readFile('checkpoint-2/optimizer.safetensors');
    expect(Buffer.from(meta!).toString('latin1')).toContain('"loraplus_lr_ratio":"4"');
    const resumed = trainer(storage, 4, true);
    expect((await resumed.t.train()).globalStep).toBe(4);
    resumed.model.parameters().forEach((p, i) => {
      expect(bytes(p).equals(bytes(full.model.parameters()[i]!)), p.name).toBe(true);
    });
    const plain = trainer(memoryStorage(), undefined, false);
    await plain.t.train();
    expect(
      plain.model.parameters().some((p, i) => !bytes(p).equals(bytes(full.model.parameters()[i]!))),
    ).toBe(true);
  });

  test.each([[8], [undefined]])(
    'resume with loraplusLrRatio %s from a run with 4 is refused in one line',
    async (ratio) => {
      const storage = memoryStorage();
      await trainer(storage, 4, false, 2).t.train();
      await expect(trainer(storage, ratio, true).t.train()).rejects.toThrowError(
        `loraplusLrRatio (LoRA+) was 4 when it was saved, got ${ratio ?? 'off'}; resume with the same LoRA+ setting`,
      );
    },
  );
});
