// KV-cache decoding against the full forward pass: a left-padded prompt, then one token at a time.
import { expectClose } from '@lora/testing';
import { beforeAll, describe, expect, test } from 'vitest';
import { ModelInputError } from './errors.js';
import { ARCHS, microModel, SlabMemory } from './test-support.test-support.js';

describe.each(ARCHS)('%s: forwardIncremental', (arch) => {
  const model = microModel(arch, 3, 'f32');
  const V = model.config.vocabSize;
  // (B 2, T 7): row 0 has a left-padded 2-token prompt, row 1 a 4-token prompt; then 3 generated tokens each
  const full = Int32Array.from([0, 0, 5, 6, 8, 9, 10, 1, 2, 3, 4, 7, 7, 2]);
  const fullMask = Uint8Array.from([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  let reference: Float32Array; // (B, T, V)
  beforeAll(async () => {
    reference = await model.logits(full, 2, 7, fullMask);
  });
  const at = (b: number, t: number) => reference.subarray((b * 7 + t) * V, (b * 7 + t + 1) * V);
  const pick = (t0: number, n: number) =>
    Int32Array.from([...full.subarray(t0, t0 + n), ...full.subarray(7 + t0, 7 + t0 + n)]);

  test.each([
    { label: 'new-token masks', fullMasks: false },
    { label: 'generate()-style masks over every token so far', fullMasks: true },
  ])(
    'the prompt, then one token at a time, gives the full forward logits ($label)',
    async ({ fullMasks }) => {
      const cache = model.createKvCache(2, 8);
      const promptMask = Uint8Array.from([0, 0, 1, 1, 1, 1, 1, 1]);
      const first = await model.forwardIncremental(pick(0, 4), 2, 4, cache, promptMask);
      expectClose(first.subarray(0, V), at(0, 3), { rtol: 1e-6, atol: 1e-6 }, 'row 0 after the prompt');
      expectClose(first.subarray(V), at(1, 3), { rtol: 1e-6, atol: 1e-6 }, 'row 1 after the prompt');
      for (let t = 4; t < 7; t++) {
        const mask = fullMasks
          ? Uint8Array.from([...fullMask.subarray(0, t + 1), ...fullMask.subarray(7, 7 + t + 1)])
          : undefined;
        const step = await model.forwardIncremental(pick(t, 1), 2, 1, cache, mask);
        expectClose(step.subarray(0, V), at(0, t), { rtol: 1e-6, atol: 1e-6 }, `row 0 at ${t}`);
        expectClose(step.subarray(V), at(1, t), { rtol: 1e-6, atol: 1e-6 }, `row 1 at ${t}`);
      }
      expect(cache.length).toBe(7);
      expect(Array.from(cache.nextPosition)).toEqual([5, 7]);
    },
  );

  test('in a device-like memory (uploads, a written mask) decoding gives the same logits as on the host', async () => {
    const moved = microModel(arch, 3, 'f32');
    await moved.useMemory(new SlabMemory(false));
    expect(Array.from(await moved.logits(full, 2, 7, fullMask))).toEqual(Array.from(reference));
    const hostCache = model.createKvCache(2, 8);
    const cache = moved.createKvCache(2, 8);
    expect(cache.memory).toBe(moved.memory);
    const promptMask = Uint8Array.from([0, 0, 1, 1, 1, 1, 1, 1]);
    expect(await moved.forwardIncremental(pick(0, 4), 2, 4, cache, promptMask)).toEqual(
      await model.forwardIncremental(pick(0, 4), 2, 4, hostCache, promptMask),
    );
    for (let t = 4; t < 7; t++) {
      expect(await moved.forwardIncremental(pick(t, 1), 2, 1, cache)).toEqual(
        await model.forwardIncremental(pick(t, 1), 2, 1, hostCache),
      );
    }
    await expect(moved.forwardIncremental(pick(0, 1), 2, 1, model.createKvCache(2, 8))).rejects.toThrow(
      "forwardIncremental: expected a KV cache in the model's slab memory, got one in host memory (create it after useMemory)",
    );
  });

  test('a full cache, a batch mismatch and bad sizes are refused', async () => {
    const cache = model.createKvCache(2, 3);
    await expect(model.forwardIncremental(new Int32Array(8), 2, 4, cache)).rejects.toThrow(ModelInputError);
    await expect(model.forwardIncremental(new Int32Array(8), 2, 4, cache)).rejects.toThrow(
      'forwardIncremental: KV cache holds 3 tokens, expected 1 to 3 new ones, got 4',
    );
    await expect(model.forwardIncremental(new Int32Array(3), 3, 1, cache)).rejects.toThrow(
      "forwardIncremental: expected the cache's batch 2, got 3",
    );
    expect(() => model.createKvCache(0, 3)).toThrow(
      'createKvCache: batch and maxTokens expected positive integers, got 0 and 3',
    );
    cache.reset();
    expect(cache.length).toBe(0);
  });

  test('a refused call leaves the cache untouched', async () => {
    const cache = model.createKvCache(2, 4);
    await model.forwardIncremental(Int32Array.from([1, 2]), 2, 1, cache);
    const before = {
      length: cache.length,
      mask: Array.from(cache.mask),
      next: Array.from(cache.nextPosition),
    };
    await expect(model.forwardIncremental(Int32Array.from([1, V]), 2, 1, cache)).rejects.toThrow(
      `forwardIncremental: inputIds[1] expected a token id in [0, ${V}), got ${V}`,
    );
    expect({
      length: cache.length,
      mask: Array.from(cache.mask),
      next: Array.from(cache.nextPosition),
    }).toEqual(before);
  });
});
