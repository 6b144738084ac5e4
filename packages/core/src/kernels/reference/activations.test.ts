import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { gradcheck, asKernelArray as k64, weightedSum } from '../../gradcheck.js';
import type { HostArgs } from '../../device/arrays.js';
import type { UnaryArgs as DeviceUnaryArgs, UnaryBackwardArgs as DeviceUnaryBackwardArgs } from '../types.js';

type UnaryArgs = HostArgs<DeviceUnaryArgs>;
type UnaryBackwardArgs = HostArgs<DeviceUnaryBackwardArgs>;
import { geluTanh, geluTanhBackward, silu, siluBackward } from './activations.js';

const rng = makeRng(23);

const ACTIVATIONS: {
  name: string;
  forward: (a: UnaryArgs) => void;
  backward: (a: UnaryBackwardArgs) => void;
}[] = [
  { name: 'silu', forward: silu, backward: siluBackward },
  { name: 'geluTanh', forward: geluTanh, backward: geluTanhBackward },
];

function run(f: (a: UnaryArgs) => void, x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  f({ x: k64(x), out: k64(out), n: x.length });
  return out;
}

describe('activations (reference)', () => {
  test.each(ACTIVATIONS)(
    '$name backward matches finite differences over [-6, 6]',
    ({ forward, backward }) => {
      const x = Float64Array.from({ length: 41 }, (_, i) => -6 + 0.3 * i + rng.uniform(-0.1, 0.1));
      const dout = Float64Array.from(x, () => rng.normal());
      const dx = new Float64Array(x.length);
      backward({ x: k64(x), dout: k64(dout), dx: k64(dx), n: x.length });
      gradcheck(() => weightedSum(run(forward, x), dout), [{ name: 'dx', value: x, grad: dx }]);
    },
  );

  // Both are x·g(x) with g(x) + g(−x) = 1 (sigmoid, ½(1 + tanh)), so f(x) − f(−x) = x.
  test.each(ACTIVATIONS)('$name satisfies f(x) − f(−x) = x and f(0) = 0', ({ forward }) => {
    const x = Float64Array.from({ length: 25 }, () => rng.uniform(-10, 10));
    const diff = run(forward, x).map(
      (v, i) =>
        v -
        run(
          forward,
          x.map((u) => -u),
        )[i]!,
    );
    expectClose(diff, x, { rtol: 1e-12, atol: 1e-12 }, 'f(x) - f(-x)');
    expect(run(forward, new Float64Array([0]))[0]).toBe(0);
  });

  test.each([
    ['silu', silu, 1, 1 / (1 + Math.exp(-1))],
    ['silu', silu, -2, -2 / (1 + Math.exp(2))],
    ['silu', silu, -1000, -0],
    ['geluTanh', geluTanh, 1, 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715))],
    ['geluTanh', geluTanh, 30, 30],
    ['geluTanh', geluTanh, -30, -0],
  ] as const)('%s(%d) = %d', (_, f, x, expected) => {
    expect(run(f, new Float64Array([x]))[0]).toBeCloseTo(expected, 14);
  });

  test('float32 input gives float32 output without NaN at the extremes', () => {
    const x = new Float32Array([-1e30, -100, 0, 100, 1e30]);
    for (const { forward } of ACTIVATIONS) {
      const out = new Float32Array(x.length);
      forward({ x, out, n: x.length });
      expect(out.every((v) => !Number.isNaN(v))).toBe(true);
    }
  });

  test('rejects n beyond the buffers', () => {
    expect(() => silu({ x: new Float32Array(3), out: new Float32Array(4), n: 4 })).toThrow(
      /silu: x expected at least 4 elements, got 3/,
    );
  });
});
