// step() keeps its activations in buffers reused from step to step (and, with useMemory, in a backend's memory):
// reuse must never change a result, whatever the previous step left in them.
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import type { StepOptions } from './batch.js';
import type { CausalLM } from './causal-lm.js';
import { ARCHS, host, microModel, SlabMemory } from './test-support.test-support.js';

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

async function run(model: CausalLM, batch: typeof short | typeof long, options: Partial<StepOptions> = {}) {
  for (const p of model.parameters()) if (p.grad) host(p.grad).fill(0);
  const r = await model.step(batch, { training: true, backward: true, lossScale: 0.25, ...options });
  return { ...r, grads: model.parameters().map((p) => Float32Array.from(host(p.grad!))) };
}

function trainable(arch: (typeof ARCHS)[number]): CausalLM {
  const model = microModel(arch, 1, 'f32');
  model.setTrainable(() => true);
  return model;
}

describe.each(ARCHS)('%s (micro, float32): step reuses its buffers', (arch) => {
  test('repeated steps, a longer batch in between, and checkpointing give the fresh model’s results bit for bit', async () => {
    const fresh = await run(trainable(arch), short);
    const model = trainable(arch);
    expect(await run(model, short)).toEqual(fresh);
    expect(await run(model, short)).toEqual(fresh);
    const longFresh = await run(trainable(arch), long);
    expect(await run(model, long)).toEqual(longFresh);
    expect(await run(model, short)).toEqual(fresh);
    expect(await run(model, short, { gradientCheckpointing: true })).toEqual(fresh);
    expect(await run(model, long, { gradientCheckpointing: true })).toEqual(longFresh);
    expect(await run(model, short)).toEqual(fresh);
  });

  test('stepInto adds each step’s totals into the stats it is given; step() reads fresh ones', async () => {
    const model = trainable(arch);
    const options = { training: false, backward: false };
    const once = await trainable(arch).step(short, options);
    expect(once.tokens).toBe(4);
    const stats = Float32Array.from([0.5, 1, 2]);
    model.stepInto(short, options, stats);
    model.stepInto(short, options, stats);
    expectClose([stats[0]!], [0.5 + 2 * once.lossSum], { rtol: 1e-6 }, 'lossSum'); // float32 sums
    expect(Array.from(stats.subarray(1))).toEqual([1 + 2 * once.tokens, 2 + 2 * once.correct]);
    expect(await model.step(short, options)).toEqual(once);
    expect(() => model.stepInto(short, { training: false, backward: false }, new Float32Array(2))).toThrow(
      'step: stats expected 3 values, got 2',
    );
  });

  test('useMemory moves parameters and gradients into the memory, changes no result, and later steps allocate none', async () => {
    const memory = new SlabMemory();
    const reference = trainable(arch);
    const model = trainable(arch);
    await model.useMemory(memory);
    expect(model.memory).toBe(memory);
    const params = model.parameters();
    expect(params.every((p) => memory.owns(p.data) && memory.owns(p.grad!))).toBe(true);
    expect(params.map((p) => Array.from(host(p.data)))).toEqual(
      reference.parameters().map((p) => Array.from(host(p.data))),
    );
    const expected = await run(reference, short);
    expect(await run(model, short)).toEqual(expected);
    const afterFirst = memory.allocated.length;
    expect(afterFirst).toBeGreaterThan(2 * params.length);
    expect(await run(model, short)).toEqual(expected);
    expect(memory.allocated.length).toBe(afterFirst);
    expect(await run(model, short, { gradientCheckpointing: true })).toEqual(expected);
    const afterCheckpointing = memory.allocated.length;
    expect(await run(model, short, { gradientCheckpointing: true })).toEqual(expected);
    expect(await run(model, short)).toEqual(expected);
    expect(memory.allocated.length).toBe(afterCheckpointing);
    // moving on drops the step buffers back to the memory that allocated them
    await model.useMemory(new SlabMemory());
    expect(memory.freed.length).toBeGreaterThan(0);
    expect(memory.freed.every((a) => memory.owns(a))).toBe(true);
    expect(await run(model, short)).toEqual(expected);
  });

  test('a device-like memory (host: false) gets the batch through uploads and gives the same results', async () => {
    const memory = new SlabMemory(false);
    const reference = trainable(arch);
    const model = trainable(arch);
    await model.useMemory(memory);
    const expected = await run(reference, short);
    expect(await run(model, short)).toEqual(expected);
    const writes = memory.writes;
    expect(writes).toBeGreaterThan(0); // ids, positions, key mask, segment starts, target rows, targets
    expect(await run(model, short)).toEqual(expected);
    expect(memory.writes).toBe(2 * writes);
  });
});
