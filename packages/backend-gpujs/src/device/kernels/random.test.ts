import { counterHash, lowbias32 } from '@lora/core';
import { makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { counterHashHalf, mulHi16, mulLo16, xor16 } from './random.js';

describe('the float32 counter hash of the gpu.js device kernels', () => {
  const rng = makeRng(5);
  const pairs = Array.from({ length: 200 }, () => [rng.int(65536), rng.int(65536)] as const);

  test('16-bit xor and the halves of a 16 × 16-bit product', () => {
    for (const [a, b] of [...pairs, [0, 0], [65535, 65535], [65535, 1]] as const) {
      expect(xor16(a, b)).toBe(a ^ b);
      expect(mulLo16(a, b)).toBe((a * b) % 65536);
      expect(mulHi16(a, b)).toBe(Math.floor((a * b) / 65536));
    }
  });

  test.each([0, 1, 0x9e3779b9, 2 ** 32 - 1])('equals @lora/core counterHash for seed %d', (seed) => {
    const h = lowbias32(seed);
    for (const index of [0, 1, 2, 255, 256, 65535, 65536, 1_000_003, 2 ** 24 - 1]) {
      const want = counterHash(seed, index);
      const hi = counterHashHalf(h & 0xffff, h >>> 16, index, 1);
      const lo = counterHashHalf(h & 0xffff, h >>> 16, index, 0);
      expect(hi * 65536 + lo).toBe(want);
    }
  });
});
