// step() keeps its activations in buffers reused from step to step (and, with useMemory, in a backend's memory):
// reuse must never change a result, whatever the previous step left in them.
import { describe, expect, test } from 'vitest';
import type { StepOptions } from './batch.js';
import type { CausalLM } from './causal-lm.js';
import { ARCHS, microModel } from './test-support.test-support.js';
import type { ArrayMemory } from './workspace.js';

const short = {
  inputIds: Int32Array.from([3, 7, 1, 0, 0, 0, 0, 9, 2, 10]),
  labels: Int32Array.from([-100, 7, 1, -100, -100, -100, -100, -100, 2, 10]),
  attentionMask: Uint8Array.from([1, 1, 1, 0, 0, 0, 0, 1, 1, 1]),
  batch: 2,
  seqLen: 5,
};
const long = {
  inputIds: Int32Array.from([5, 4, 3, 2, 1, 9, 8, 7]),
  labels: Int32Array.from([5, 4, 3, 2, 1, 9, 8, 7]),
  batch: 1,
  seqLen: 8,
};

function run(model: CausalLM, batch: typeof short | typeof long, options: Partial<StepOptions> = {}) {
  for (const p of model.parameters()) p.grad?.fill(0);
  const r = model.step(batch, { training: true, backward: true, lossScale: 0.25, ...options });
  return { ...r, grads: model.parameters().map((p) => Float32Array.from(p.grad!)) };
}

function trainable(arch: (typeof ARCHS)[number]): CausalLM {
  const model = microModel(arch, 1, 'f32');
  model.setTrainable(() => true);
  return model;
}

describe.each(ARCHS)('%s (micro, float32): step reuses its buffers', (arch) => {
  test('repeated steps, a longer batch in between, and checkpointing give the fresh model’s results bit for bit', () => {
    const fresh = run(trainable(arch), short);
    const model = trainable(arch);
    expect(run(model, short)).toEqual(fresh);
    expect(run(model, short)).toEqual(fresh);
    const longFresh = run(trainable(arch), long);
    expect(run(model, long)).toEqual(longFresh);
    expect(run(model, short)).toEqual(fresh);
    expect(run(model, short, { gradientCheckpointing: true })).toEqual(fresh);
    expect(run(model, long, { gradientCheckpointing: true })).toEqual(longFresh);
    expect(run(model, short)).toEqual(fresh);
  });

  test('useMemory moves parameters and gradients into the memory, changes no result, and later steps allocate none', () => {
    const slab = new ArrayBuffer(1 << 22);
    let next = 0;
    let allocations = 0;
    const memory: ArrayMemory = {
      allocate: (n) => {
        allocations++;
        const a = new Float32Array(slab, next, n);
        next += Math.ceil((n * 4) / 64) * 64;
        return a;
      },
    };
    const reference = trainable(arch);
    const model = trainable(arch);
    model.useMemory(memory);
    const params = model.parameters();
    expect(params.every((p) => p.data.buffer === slab && p.grad!.buffer === slab)).toBe(true);
    expect(params.map((p) => Array.from(p.data))).toEqual(
      reference.parameters().map((p) => Array.from(p.data)),
    );
    const expected = run(reference, short);
    expect(run(model, short)).toEqual(expected);
    const afterFirst = allocations;
    expect(afterFirst).toBeGreaterThan(params.length);
    expect(run(model, short)).toEqual(expected);
    expect(allocations).toBe(afterFirst);
    expect(run(model, short, { gradientCheckpointing: true })).toEqual(expected);
    const afterCheckpointing = allocations;
    expect(run(model, short, { gradientCheckpointing: true })).toEqual(expected);
    expect(run(model, short)).toEqual(expected);
    expect(allocations).toBe(afterCheckpointing);
  });
});
