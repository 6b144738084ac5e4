import { referenceKernels } from '@lora/core';
import { describe, expect, test } from 'vitest';
import { f32, hashedWeights, loadGolden, u8 } from './golden-inputs.test-support.js';
import { type NestedAbsmax, quantize4bit, resolveAbsmax } from './quantize.js';

// The device-side restore of a double-quantized absmax (the dequantizeAbsmax kernel) must equal the host's
// resolveAbsmax — and bitsandbytes' own dequantize_blockwise — bit for bit, so a 4-bit weight dequantizes the same
// whether its scales are restored on the host or next to the matmul.

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function restoreWithKernel(nested: NestedAbsmax, n: number): Float32Array {
  const out = new Float32Array(n).fill(Number.NaN);
  referenceKernels.dequantizeAbsmax({ ...nested, out, n });
  return out;
}

describe('dequantizeAbsmax kernel on real double-quantized tensors', () => {
  test.each([
    { name: 'one nested block', quantType: 'nf4', blocksize: 64, shape: [8, 96] },
    { name: 'three nested blocks, the last partial', quantType: 'nf4', blocksize: 64, shape: [300, 130] },
    { name: 'fp4, blocksize 32', quantType: 'fp4', blocksize: 32, shape: [257 * 32 + 5] },
    {
      name: 'blocksize 128, a partial last 4-bit block',
      quantType: 'nf4',
      blocksize: 128,
      shape: [77, 1001],
    },
  ] as const)(
    '$name ($quantType, blocksize $blocksize, shape $shape) equals resolveAbsmax',
    ({ quantType, blocksize, shape }) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const q = quantize4bit(hashedWeights(n, 5, 0.1), shape, { quantType, blocksize, doubleQuant: true });
      const nested = q.nested!;
      const blocks = Math.ceil(n / blocksize);
      expect(nested.qabsmax).toHaveLength(blocks);
      expect(nested.nestedAbsmax).toHaveLength(Math.ceil(blocks / nested.nestedBlocksize));
      expect(bits(restoreWithKernel(nested, blocks))).toEqual(bits(resolveAbsmax(q)));
    },
  );

  const golden = loadGolden();
  const nestedCases = golden.cases.filter((c) => c.nested);

  test('the golden fixtures include double-quantized cases', () => {
    expect(nestedCases.length).toBeGreaterThan(0);
  });

  test.each(nestedCases.map((c) => [c.name, c] as const))(
    'bitsandbytes golden %s: equals its restored absmax',
    (_, c) => {
      const qabsmax = u8(c.qabsmax_u8_b64!);
      const nested: NestedAbsmax = {
        qabsmax,
        nestedAbsmax: f32(c.nested_absmax_f32_b64!),
        nestedCode: Float32Array.from(golden.dynamic_map),
        nestedBlocksize: 256,
        offset: Math.fround(c.offset!),
      };
      expect(bits(restoreWithKernel(nested, qabsmax.length))).toEqual(bits(f32(c.restored_absmax_f32_b64!)));
    },
  );
});
