import { describe, expect, test } from 'vitest';
import type { HostArgs } from '../../device/arrays.js';
import { KernelArgumentError } from '../check.js';
import type { DequantizeAbsmaxArgs } from '../types.js';
import { dequantizeAbsmax } from './dequantize-absmax.js';

const f32 = Math.fround;
/** A 256-entry code with exact, distinct levels: code[q] = (q − 128) / 128. */
const LINEAR_CODE = Float32Array.from({ length: 256 }, (_, q) => (q - 128) / 128);
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

type Inputs = Omit<HostArgs<DequantizeAbsmaxArgs>, 'out' | 'nestedCode'> & { nestedCode?: Float32Array };

function run({ nestedCode = LINEAR_CODE, ...rest }: Inputs): Float32Array {
  const out = new Float32Array(rest.n).fill(Number.NaN);
  dequantizeAbsmax({ ...rest, nestedCode, out });
  return out;
}

describe('dequantizeAbsmax (reference)', () => {
  test.each([
    {
      name: 'one nested block',
      q: [128, 192, 255, 0],
      nested: [2],
      blocksize: 4,
      offset: 0,
      expected: [0, 1, 2 * (127 / 128), -2],
    },
    {
      name: 'two nested blocks, the last partial, with an offset',
      q: [160, 96, 128, 200, 64],
      nested: [4, 0.5],
      blocksize: 3,
      offset: 1,
      expected: [1 + 1, 1 - 1, 1 + 0, 1 + 0.5 * (72 / 128), 1 - 0.5 * 0.5],
    },
    {
      name: 'one code per nested block',
      q: [129, 129, 129],
      nested: [128, 256, -128],
      blocksize: 1,
      offset: -0.5,
      expected: [0.5, 1.5, -1.5],
    },
  ])('$name', ({ q, nested, blocksize, offset, expected }) => {
    const out = run({
      qabsmax: Uint8Array.from(q),
      nestedAbsmax: Float32Array.from(nested),
      nestedBlocksize: blocksize,
      offset,
      n: q.length,
    });
    expect(Array.from(out)).toEqual(expected);
  });

  test('rounds twice in float32: f32(f32(code · nestedAbsmax) + f32(offset)), as bitsandbytes does', () => {
    // a code, scale and offset whose product and sum are not exact in float32
    const nestedCode = Float32Array.from({ length: 256 }, (_, q) => Math.sin(q + 1));
    const q = Uint8Array.from({ length: 600 }, (_, i) => (i * 37 + 11) % 256);
    const nested = Float32Array.from([0.0123456, 0.98765, 3.3333]);
    const offset = 0.1; // not a float32 value: the kernel takes f32(0.1)
    const out = run({ qabsmax: q, nestedAbsmax: nested, nestedCode, nestedBlocksize: 256, offset, n: 600 });
    const expected = Float32Array.from(q, (code, i) =>
      f32(f32(nestedCode[code]! * nested[Math.floor(i / 256)]!) + f32(offset)),
    );
    expect(bits(out)).toEqual(bits(expected));
    // and that differs from rounding once, so the test can tell them apart
    const once = Float32Array.from(q, (code, i) => nestedCode[code]! * nested[Math.floor(i / 256)]! + offset);
    expect(bits(once)).not.toEqual(bits(expected));
  });

  test('n = 0 accepts empty arrays', () => {
    expect(
      run({
        qabsmax: new Uint8Array(0),
        nestedAbsmax: new Float32Array(0),
        nestedBlocksize: 256,
        offset: 0,
        n: 0,
      }),
    ).toHaveLength(0);
  });

  test('writes only the first n elements', () => {
    const out = new Float32Array(4).fill(-7);
    dequantizeAbsmax({
      qabsmax: Uint8Array.from([192, 192, 192, 192]),
      nestedAbsmax: Float32Array.from([1]),
      nestedCode: LINEAR_CODE,
      nestedBlocksize: 256,
      offset: 0,
      out,
      n: 2,
    });
    expect(Array.from(out)).toEqual([0.5, 0.5, -7, -7]);
  });

  test.each<[Partial<HostArgs<DequantizeAbsmaxArgs>>, RegExp]>([
    [{ nestedBlocksize: 0 }, /dequantizeAbsmax: nestedBlocksize expected > 0, got 0/],
    [{ nestedBlocksize: 2.5 }, /dequantizeAbsmax: nestedBlocksize expected a non-negative integer, got 2.5/],
    [{ qabsmax: new Uint8Array(4) }, /dequantizeAbsmax: qabsmax \(n\) expected at least 5 elements, got 4/],
    [
      { nestedAbsmax: new Float32Array(2) },
      /dequantizeAbsmax: nestedAbsmax \(⌈n \/ nestedBlocksize⌉\) expected at least 3 elements, got 2/,
    ],
    [
      { nestedCode: new Float32Array(16) },
      /dequantizeAbsmax: nestedCode \(256\) expected at least 256 elements, got 16/,
    ],
    [{ out: new Float32Array(4) }, /dequantizeAbsmax: out \(n\) expected at least 5 elements, got 4/],
    [{ offset: Number.NaN }, /dequantizeAbsmax: offset expected a finite number, got NaN/],
  ])('rejects %o', (bad, message) => {
    const args = {
      qabsmax: new Uint8Array(5),
      nestedAbsmax: new Float32Array(3),
      nestedCode: LINEAR_CODE,
      nestedBlocksize: 2,
      offset: 0,
      out: new Float32Array(5),
      n: 5,
      ...bad,
    };
    expect(() => dequantizeAbsmax(args)).toThrow(KernelArgumentError);
    expect(() => dequantizeAbsmax(args)).toThrow(message);
  });
});
