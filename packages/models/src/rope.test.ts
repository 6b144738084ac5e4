import { type F32, ropeTables } from '@lora/core';
import { describe, expect, test } from 'vitest';
import { RopeTables, ropeInvFreq } from './rope.js';
import { host, SlabMemory } from './test-support.test-support.js';

const f = Math.fround;

describe('ropeInvFreq', () => {
  const plain = ropeInvFreq(8, 10000);

  test('default: 1 / θ^(2i/d) in float32', () => {
    expect(Array.from(plain)).toEqual([0, 1, 2, 3].map((i) => f(1 / f(10000 ** f((2 * i) / 8)))));
  });

  test('linear: every frequency divided by the factor', () => {
    expect(Array.from(ropeInvFreq(8, 10000, { type: 'linear', factor: 4 }))).toEqual(
      Array.from(plain, (v) => f(v / 4)),
    );
  });

  test('llama3: short wavelengths kept, long ones divided by the factor, the band between interpolated', () => {
    // wavelengths 2π/inv: 6.28, 62.8, 628, 6283; original 64 positions, low 1 → 64, high 4 → 16
    const s = {
      type: 'llama3' as const,
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositions: 64,
    };
    const inv = ropeInvFreq(8, 10000, s);
    expect(inv[0]).toBe(plain[0]);
    expect(inv[2]).toBe(f(plain[2]! / 8));
    expect(inv[3]).toBe(f(plain[3]! / 8));
    const smooth = (64 / ((2 * Math.PI) / plain[1]!) - 1) / 3;
    expect(inv[1]).toBeCloseTo((1 - smooth) * (plain[1]! / 8) + smooth * plain[1]!, 6);
    expect(inv[1]! < plain[1]! && inv[1]! > plain[1]! / 8).toBe(true);
  });
});

test('RopeTables grows on demand and equals @lora/core ropeTables without scaling', () => {
  const t = new RopeTables(8, 10000);
  t.ensure(10);
  expect(t.positions).toBe(64);
  const core = ropeTables({ positions: 64, rotaryDim: 8, theta: 10000 });
  expect(Array.from(t.cos)).toEqual(Array.from(core.cos));
  t.ensure(100);
  expect(t.positions).toBe(128);
  const scaled = new RopeTables(8, 10000, { type: 'linear', factor: 2 });
  scaled.ensure(3);
  expect(scaled.cos[2 * 4 + 0]).toBe(f(Math.cos(f(2 * f(1 / 2))))); // position 2, first frequency 1 / 2
});

test('tables(needed, like) covers the positions in the memory of `like`: uploaded once per growth, freed on growth', () => {
  const t = new RopeTables(8, 10000);
  const onHost = t.tables(10, new Float32Array(1));
  expect(onHost.cos).toBe(t.cos);
  expect(t.positions).toBe(64);
  const device = new SlabMemory(false);
  // a device handle knows its memory (a typed array is the host's): what memoryOf reads
  const like = { memory: device, length: 1, [Symbol.toStringTag]: 'DeviceF32' } as unknown as F32;
  const placed = t.tables(20, like);
  expect(device.owns(placed.cos) && device.owns(placed.sin)).toBe(true);
  expect(Array.from(host(placed.sin))).toEqual(Array.from(t.sin));
  expect(t.tables(64, like)).toBe(placed); // no growth: the same copies
  expect(device.allocated).toHaveLength(2);
  const grown = t.tables(65, like);
  expect(t.positions).toBe(128);
  expect(device.freed).toEqual([placed.cos, placed.sin]);
  expect(Array.from(host(grown.cos))).toEqual(Array.from(t.cos));
  expect(grown.cos.length).toBe(128 * 4);
});
