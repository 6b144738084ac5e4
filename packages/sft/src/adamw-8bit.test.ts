import {
  ADAMW8BIT_BLOCKSIZE,
  createDynamicMap,
  deviceMemory,
  onOpaqueBackend,
  type Parameter,
  toHost,
} from '@lora/core';
import { makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { AdamW } from './adamw.js';
import { AdamW8bit } from './adamw-8bit.js';
import { CheckpointError } from './errors.js';

type Rng = ReturnType<typeof makeRng>;

/** A trainable parameter of `shape` with seeded values and gradient, in the active backend's memory. */
function param(rng: Rng, name: string, shape: number[], decay = true): Parameter {
  const n = shape.reduce((a, b) => a * b, 1);
  const memory = deviceMemory();
  return {
    name,
    shape,
    data: memory.upload(Float32Array.from({ length: n }, () => rng.normal())),
    grad: memory.upload(Float32Array.from({ length: n }, () => 0.01 * rng.normal())),
    trainable: true,
    decay,
  };
}

/** lora_A/lora_B-like tensors: two 8-bit ones (one not a multiple of 256), a small one, a small no-decay one. */
function model(seed = 61): Parameter[] {
  const rng = makeRng(seed);
  return [
    param(rng, 'a', [16, 300]),
    param(rng, 'b', [4100]),
    param(rng, 'small', [63, 64]),
    param(rng, 'bias', [7], false),
  ];
}

const hostAll = (params: readonly Parameter[]) =>
  Promise.all(params.map(async (p) => Array.from(await toHost(p.data))));

describe('AdamW8bit', () => {
  test('packs tensors of 4096 elements or more apart, each from a multiple of 256; smaller ones stay float32', () => {
    const opt = new AdamW8bit(model());
    expect(
      opt.groups.map((g) => ({ decay: g.decay, blockwise: g.blockwise, names: g.params.map((p) => p.name) })),
    ).toEqual([
      { decay: true, blockwise: false, names: ['small'] },
      { decay: true, blockwise: true, names: ['a', 'b'] },
      { decay: false, blockwise: false, names: ['bias'] },
    ]);
    const blockwise = opt.groups[1]!;
    expect(blockwise.offsets).toEqual([0, 19 * 256]); // 4800 elements fill 18.75 blocks
    expect(blockwise.size).toBe(19 * 256 + 4100); // the group ends with its last tensor, in a partial block
  });

  test('state bytes: 2 per 8-bit element (padding between tensors included) + 8 per block of 256, 8 per float32 element, the maps', () => {
    const opt = new AdamW8bit(model());
    const blockwise = 19 * ADAMW8BIT_BLOCKSIZE + 4100;
    expect(opt.stateBytes()).toBe(2 * blockwise + 8 * (19 + 17) + 8 * (63 * 64 + 7) + 2 * 256 * 4);
    expect(new AdamW(model()).stateBytes()).toBe(8 * (4800 + 4100 + 63 * 64 + 7));
  });

  test('Qwen2.5-0.5B with an r16 all-linear LoRA: 67.1 MiB of AdamW moments become 17.6 MiB in 8 bits', () => {
    // hidden 896, intermediate 4864, 2 KV heads of 64, 24 layers; lora_A (r, in), lora_B (out, r)
    const [h, kv, ff, r] = [896, 128, 4864, 16];
    const linears: [number, number][] = [
      [h, h],
      [h, kv],
      [h, kv],
      [h, h],
      [h, ff],
      [h, ff],
      [ff, h],
    ];
    const sizes = linears.flatMap(([inF, outF]) => [r * inF, outF * r]);
    const lora = Array.from({ length: 24 }, () => sizes).flat();
    const total = lora.reduce((a, b) => a + b, 0);
    expect(total).toBe(8_798_208);
    const params = lora.map(
      (n, i): Parameter => ({
        name: `p${i}`,
        shape: [n],
        data: new Float32Array(n),
        grad: new Float32Array(n),
        trainable: true,
        decay: true,
      }),
    );
    const adamw8 = new AdamW8bit(params).stateBytes();
    // k_proj and v_proj lora_B (128 × 16 = 2048 elements) stay float32, as bitsandbytes keeps them
    const small = 24 * 2 * 2048;
    expect(adamw8).toBe(2 * (total - small) + (8 * (total - small)) / 256 + 8 * small + 2048);
    expect(8 * total).toBe(70_385_664); // 67.1 MiB
    expect(adamw8).toBe(18_460_160); // 17.6 MiB: 51.9 MB (73.8 %) less
  });

  test.each([
    ['the host', <T>(body: () => Promise<T>) => body()],
    ['a device backend', <T>(body: () => Promise<T>) => onOpaqueBackend(body)],
  ] as const)('on %s: saveState → loadState into a fresh optimizer continues bit for bit', (_, on) =>
    on(async () => {
      const [a, b] = [model(), model()];
      const optA = new AdamW8bit(a, { weightDecay: 0.1 });
      for (const lr of [0.01, 0.02]) optA.step(lr);
      const saved = await optA.saveState();
      const optB = new AdamW8bit(b, { weightDecay: 0.1 });
      for (const [i, p] of b.entries()) deviceMemory().write(p.data, await toHost(a[i]!.data));
      const tensors = new Map(
        Object.entries(saved.tensors).map(([k, t]) => [k, t.data as Float32Array | Uint8Array]),
      );
      optB.loadState(2, tensors, 'optimizer.safetensors');
      for (const opt of [optA, optB]) opt.step(0.03);
      expect(optB.stepCount).toBe(3);
      expect(await hostAll(b)).toEqual(await hostAll(a));
      const again = await optB.saveState();
      expect(Object.keys(again.tensors)).toEqual(Object.keys(saved.tensors));
    }),
  );

  test("loadState names the tensor that is missing, of the wrong type, or a map that is not bitsandbytes'", async () => {
    const opt = new AdamW8bit(model());
    const saved = await opt.saveState();
    const tensors = new Map(
      Object.entries(saved.tensors).map(([k, t]) => [k, t.data as Float32Array | Uint8Array]),
    );
    const without = new Map(tensors);
    without.delete('a.absmax2');
    expect(() => opt.loadState(1, without, 'ckpt/optimizer.safetensors')).toThrow(
      new CheckpointError(
        'ckpt/optimizer.safetensors',
        'ckpt/optimizer.safetensors: expected float32 "a.absmax2" of 19 elements, got none',
      ),
    );
    const wrong = new Map(tensors).set('b.state1', new Float32Array(4100));
    expect(() => opt.loadState(1, wrong, 'f')).toThrow(
      'f: expected uint8 "b.state1" of 4100 elements, got float32 of 4100',
    );
    const map = createDynamicMap(true).map((v) => v / 2);
    expect(() => opt.loadState(1, new Map(tensors).set('qmap1', map), 'f')).toThrow(
      "f: qmap1: expected bitsandbytes' signed dynamic map, got another",
    );
  });
});
