import { describe, expect, test } from 'vitest';
import { detectFeatures } from './features.js';

describe('detectFeatures', () => {
  test('Node ≥ 20 has WebAssembly SIMD and shared memory', () => {
    const features = detectFeatures();
    expect(features.simd).toBe(true);
    expect(features.sharedMemory).toBe(true);
    expect(typeof features.relaxedSimd).toBe('boolean');
  });
});
