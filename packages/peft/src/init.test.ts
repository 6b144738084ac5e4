import { uniformStream } from '@lora/core';
import { describe, expect, test } from 'vitest';
import { initLoraWeights, kaimingUniform, normalInit } from './init.js';

function stats(w: Float32Array): { mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let sq = 0;
  for (const v of w) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / w.length;
  return { mean, std: Math.sqrt(sq / w.length - mean * mean), min: Math.min(...w), max: Math.max(...w) };
}

describe('kaimingUniform (torch.nn.init.kaiming_uniform_, a = √5)', () => {
  test('draws U(-1/√fan_in, 1/√fan_in): bounds and the uniform std bound/√3', () => {
    const fanIn = 64;
    const w = new Float32Array(64 * 1024);
    kaimingUniform(w, fanIn, Math.sqrt(5), uniformStream(1));
    const bound = 1 / Math.sqrt(fanIn);
    const s = stats(w);
    expect(s.max).toBeLessThan(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.max).toBeGreaterThan(0.99 * bound);
    expect(Math.abs(s.mean)).toBeLessThan(0.01 * bound);
    expect(s.std / (bound / Math.sqrt(3))).toBeCloseTo(1, 2);
  });

  test('a = 0 widens the bound to √6/√fan_in (gain √2)', () => {
    const w = new Float32Array(4096);
    kaimingUniform(w, 16, 0, uniformStream(2));
    expect(stats(w).max).toBeGreaterThan(0.99 * Math.sqrt(6 / 16));
    expect(stats(w).max).toBeLessThan(Math.sqrt(6 / 16));
  });
});

test('normalInit draws N(0, std²)', () => {
  const w = new Float32Array(100_000);
  normalInit(w, 0.25, uniformStream(3));
  const s = stats(w);
  expect(Math.abs(s.mean)).toBeLessThan(0.005);
  expect(s.std).toBeCloseTo(0.25, 2);
});

describe('initLoraWeights (PEFT reset_lora_parameters)', () => {
  const r = 4;
  const inF = 32;
  const outF = 16;
  test.each([
    [true, 1 / Math.sqrt(inF), true],
    ['gaussian' as const, undefined, true],
    [false, 1 / Math.sqrt(inF), false],
  ])('init %s: A bound %s, B zero %s', (init, aBound, bZero) => {
    const a = new Float32Array(r * inF);
    const b = new Float32Array(outF * r).fill(9);
    initLoraWeights(init, a, b, r, inF, uniformStream(4));
    if (aBound !== undefined) expect(Math.max(...a.map(Math.abs))).toBeLessThan(aBound);
    else expect(stats(a).std).toBeGreaterThan(0.5 / r); // std 1/r: far wider than Kaiming's 1/√(3·32)
    expect(b.every((v) => v === 0)).toBe(bZero);
    if (!bZero) expect(Math.max(...b.map(Math.abs))).toBeLessThan(1 / Math.sqrt(r)); // nn.Linear(r, out) default init
  });

  test('the same seed gives the same weights', () => {
    const run = () => {
      const a = new Float32Array(r * inF);
      initLoraWeights(true, a, new Float32Array(outF * r), r, inF, uniformStream(5));
      return a;
    };
    expect(run()).toEqual(run());
  });
});
