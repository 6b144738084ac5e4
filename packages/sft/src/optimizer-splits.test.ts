// An optimizer's saved state is whole per tensor, whatever row blocks (Parameter.rowBlock) the tensor was kept in:
// loaded under another split it continues bit for bit — AdamW's moments always, 8-bit AdamW's blockwise state where
// both splits cut the tensor at multiples of 256 elements (its blocks of 256 are then the whole tensor's); otherwise
// 8-bit state resumes only under the split it was saved in, and any other is refused naming the tensor and both.
import { deviceMemory, type Parameter, toHost } from '@lora/core';
import { makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { AdamW } from './adamw.js';
import { AdamW8bit } from './adamw-8bit.js';
import type { Optimizer } from './optimizer.js';
import { wholeTensors } from './whole-tensors.js';

const [ROWS, COLS] = [128, 32]; // 4096 elements: 8-bit state under bitsandbytes' min_8bit_size

/** An embedding-like tensor (in the row blocks starting at `starts`) and a small LoRA-like one, seeded. */
function params(starts: readonly number[], values?: Float32Array): Parameter[] {
  const rng = makeRng(7);
  const data = Float32Array.from({ length: ROWS * COLS }, () => rng.normal());
  const grad = Float32Array.from({ length: ROWS * COLS }, () => 0.01 * rng.normal());
  const memory = deviceMemory();
  const blocks = starts.map((rowStart, i): Parameter => {
    const rows = (starts[i + 1] ?? ROWS) - rowStart;
    const [a, b] = [rowStart * COLS, (rowStart + rows) * COLS];
    return {
      name: 'model.embed_tokens.weight',
      shape: [rows, COLS],
      data: memory.upload((values ?? data).slice(a, b)),
      grad: memory.upload(grad.slice(a, b)),
      trainable: true,
      decay: true,
      ...(starts.length > 1 ? { rowBlock: { rowStart, rows: ROWS } } : {}),
    };
  });
  const small: Parameter = {
    name: 'lora_A.weight',
    shape: [2, COLS],
    data: memory.upload(Float32Array.from({ length: 2 * COLS }, () => rng.normal())),
    grad: memory.upload(Float32Array.from({ length: 2 * COLS }, () => 0.01 * rng.normal())),
    trainable: true,
    decay: true,
  };
  return [...blocks.reverse(), small]; // blocks in any order: the state is keyed by tensor, not by position
}

/** Every tensor's values, joined. */
const values = async (ps: readonly Parameter[]) =>
  Promise.all(
    wholeTensors(ps).map(async (t) => {
      const out = new Float32Array(t.size);
      for (const b of t.blocks) out.set(await toHost(b.param.data), b.offset);
      return Array.from(out);
    }),
  );

const optimizers: [string, (ps: Parameter[]) => Optimizer][] = [
  ['adamw_torch', (ps) => new AdamW(ps, { weightDecay: 0.1 })],
  ['adamw_8bit', (ps) => new AdamW8bit(ps, { weightDecay: 0.1 })],
];

/** Two steps under split `from`, saved; loaded under split `to` (values included); one more step in both. */
async function resumeAcross(make: (ps: Parameter[]) => Optimizer, from: number[], to: number[]) {
  const a = params(from);
  const optA = make(a);
  for (const lr of [0.01, 0.02]) optA.step(lr);
  const saved = await optA.saveState();
  const tensors = new Map(
    Object.entries(saved.tensors).map(([k, t]) => [k, t.data as Float32Array | Uint8Array]),
  );
  const b = params(to, Float32Array.from((await values(a))[0]!));
  const small = await toHost(a.at(-1)!.data);
  deviceMemory().write(b.at(-1)!.data, small);
  const optB = make(b);
  optB.loadState(2, tensors, 'checkpoint-2/optimizer.safetensors', saved.metadata);
  return { a, b, optA, optB, saved };
}

describe.each(optimizers)('%s state across row-block splits', (name, make) => {
  test.each([
    [[0], [0, 64]],
    [[0, 64], [0]],
    [
      [0, 64],
      [0, 40, 104],
    ],
    [
      [0, 50],
      [0, 50],
    ],
  ])(
    'saved under rows %j, resumed under %j: the next step is bit for bit, and saves the same state',
    async (from, to) => {
      const { a, b, optA, optB, saved } = await resumeAcross(make, from, to);
      for (const opt of [optA, optB]) opt.step(0.03);
      expect(await values(b)).toEqual(await values(a));
      const [again, before] = [(await optB.saveState()).tensors, (await optA.saveState()).tensors];
      expect(Object.keys(again).sort()).toEqual(Object.keys(saved.tensors).sort());
      for (const key of Object.keys(before)) expect(again[key]!.data, key).toEqual(before[key]!.data);
    },
  );

  test('a tensor cut at rows that are not a multiple of 256 elements (50 × 32)', async () => {
    const across = [
      [[0, 50], [0]],
      [[0], [0, 50]],
      [
        [0, 50],
        [0, 64],
      ],
    ] as const;
    for (const [from, to] of across) {
      if (name === 'adamw_torch') {
        const { a, b, optA, optB } = await resumeAcross(make, [...from], [...to]);
        for (const opt of [optA, optB]) opt.step(0.03);
        expect(await values(b)).toEqual(await values(a));
        continue;
      }
      const split = (s: readonly number[]) =>
        s.length === 1 ? 'whole' : `row blocks at rows ${s.join(', ')}`;
      await expect(resumeAcross(make, [...from], [...to])).rejects.toThrow(
        `checkpoint-2/optimizer.safetensors: 8-bit optimizer state of "model.embed_tokens.weight": saved ${split(from)}, the model now keeps it ${split(to)}, and its blocks of 256 do not re-split exactly; resume with the same largest array (maxArrayBytes) as the run that saved it`,
      );
    }
  });
});

test('8-bit or not is decided per tensor: row blocks of 2,048 of a 4,096-element tensor keep 8-bit state', () => {
  const opt = new AdamW8bit(params([0, 64]));
  expect(opt.groups.map((g) => [g.blockwise, g.params.map((p) => p.shape[0])])).toEqual([
    [false, [2]],
    [true, [64, 64]],
  ]);
});

test('8-bit AdamW keeps float32 state for a tensor below min_8bit_size: that resumes under any split', async () => {
  const make = (ps: Parameter[]) => new AdamW8bit(ps, { min8bitSize: 8192 });
  const { a, b, optA, optB } = await resumeAcross(make, [0, 50], [0]);
  expect(optB.groups.every((g) => !g.blockwise)).toBe(true);
  for (const opt of [optA, optB]) opt.step(0.03);
  expect(await values(b)).toEqual(await values(a));
});
