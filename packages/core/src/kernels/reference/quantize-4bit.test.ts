import { describe, expect, test } from 'vitest';
import { nearestCode } from '../../nearest-code.js';
import { casesFor } from '../cases/catalogue.js';
import { KernelArgumentError } from '../check.js';
import { quantize4bitBlockwise } from './quantize-4bit.js';

type Args = Parameters<typeof quantize4bitBlockwise>[0];
const f32 = Math.fround;

/** The plain definition element by element: absmax per block, then the scan (torch.argmin) of each scaled value. */
function byDefinition(
  values: Float32Array,
  code: Float32Array,
  blocksize: number,
): { codes: number[]; absmax: number[] } {
  const absmax: number[] = [];
  const codes: number[] = [];
  for (let start = 0; start < values.length; start += blocksize) {
    const block = values.subarray(start, start + blocksize);
    const max = block.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    absmax.push(max);
    for (const v of block) {
      const scaled = max === 0 ? 0 : Math.min(1, Math.max(-1, f32(v * f32(1 / max))));
      codes.push(nearestCode(scaled, code));
    }
  }
  if (values.length % 2 === 1) codes.push(nearestCode(0, code));
  return { codes, absmax };
}

const unpack = (packed: Uint8Array): number[] =>
  Array.from(packed).flatMap((byte) => [byte >> 4, byte & 0x0f]);

describe('quantize4bitBlockwise (reference)', () => {
  test.each(casesFor('quantize4bitBlockwise').map((c) => [c.name, c] as const))(
    '%s: every nibble and absmax as the definition gives them',
    (_, c) => {
      const args = c.args() as unknown as Args;
      quantize4bitBlockwise(args);
      const want = byDefinition(args.values, args.code, args.blocksize);
      expect(Array.from(args.absmax)).toEqual(want.absmax.map(f32));
      expect(unpack(args.packed)).toEqual(want.codes);
    },
  );

  test('a value exactly between two codes takes the first index in the table, not the lower value', () => {
    const code = Float32Array.from([0.5, 0, 1, -1, ...new Array<number>(12).fill(1)]);
    const values = Float32Array.from([1, 0.25, 0.75, -0.5]); // absmax 1: 0.25 ties 0 / 0.5, 0.75 ties 0.5 / 1
    const packed = new Uint8Array(2);
    const absmax = new Float32Array(1);
    quantize4bitBlockwise({ values, code, blocksize: 4, n: 4, packed, absmax });
    expect(unpack(packed)).toEqual([2, 0, 0, 1]); // -0.5 ties 0 / -1: index 1 (0) before 3 (-1)
  });

  test('a block with NaN gets a NaN absmax, one with ±Infinity an infinite one; the other blocks are untouched', () => {
    const values = Float32Array.from([0.5, Number.NaN, 1, -Infinity, 0.25, -0.5]);
    const absmax = new Float32Array(3);
    quantize4bitBlockwise({
      values,
      code: new Float32Array(16),
      blocksize: 2,
      n: 6,
      packed: new Uint8Array(3),
      absmax,
    });
    expect(Array.from(absmax)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, 0.5]);
  });

  test('short outputs are refused naming the argument', () => {
    const args = { values: new Float32Array(5), code: new Float32Array(16), blocksize: 2, n: 5 };
    expect(() =>
      quantize4bitBlockwise({ ...args, packed: new Uint8Array(2), absmax: new Float32Array(3) }),
    ).toThrow(
      new KernelArgumentError('quantize4bitBlockwise: packed (⌈n / 2⌉) expected at least 3 elements, got 2'),
    );
    expect(() =>
      quantize4bitBlockwise({ ...args, packed: new Uint8Array(3), absmax: new Float32Array(2) }),
    ).toThrow('quantize4bitBlockwise: absmax (⌈n / blocksize⌉) expected at least 3 elements, got 2');
  });
});
