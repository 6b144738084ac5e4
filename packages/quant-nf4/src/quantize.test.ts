import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { FP4_CODE, NF4_CODE, createDynamicMap } from './codebooks.js';
import { loadGolden, f32, hashedWeights, u8 } from './golden-inputs.test-support.js';
import { bitsPerParameter, measuredBitsPerParameter } from './memory.js';
import { quantize4bitBlockwise, quantize8bitBlockwise } from './blockwise.js';
import {
  QuantizationError,
  type QuantizeOptions,
  compressAbsmax,
  dequantize4bit,
  quantize4bit,
  resolveAbsmax,
} from './quantize.js';

const golden = loadGolden();

describe('codebooks equal bitsandbytes', () => {
  test('NF4 table, with 0.07958029955625534 at index 8', () => {
    expect(Array.from(NF4_CODE)).toEqual(golden.nf4_code.map(Math.fround));
    expect(NF4_CODE[8]).toBe(Math.fround(0.07958029955625534));
  });
  test('FP4 table', () => expect(Array.from(FP4_CODE)).toEqual(golden.fp4_code));
  test('signed dynamic map (create_dynamic_map) bit-exact, sorted, 256 values in [-1, 1]', () => {
    const map = createDynamicMap();
    expect(Array.from(map)).toEqual(golden.dynamic_map);
    expect(map[0]).toBeGreaterThanOrEqual(-1);
    expect(map[255]).toBe(1);
  });
});

describe.each(golden.cases)('golden case $name', (c) => {
  const n = c.shape.reduce((a, b) => a * b, 1);
  const weights = hashedWeights(n, c.seed, c.scale);
  const q = quantize4bit(weights, c.shape, { quantType: c.quant_type, blocksize: c.blocksize, doubleQuant: c.nested });

  test('packed codes equal byte for byte (first element in the high nibble)', () => {
    expect(Buffer.from(q.packed).equals(Buffer.from(u8(c.packed_u8_b64)))).toBe(true);
  });

  test('absmax (and its double quantization) equal', () => {
    if (!c.nested) {
      expect(Array.from(q.absmax!)).toEqual(Array.from(f32(c.absmax_f32_b64)));
      return;
    }
    expect(q.nested!.offset).toBe(Math.fround(c.offset!));
    expect(Array.from(q.nested!.qabsmax)).toEqual(Array.from(u8(c.qabsmax_u8_b64!)));
    expect(Array.from(q.nested!.nestedAbsmax)).toEqual(Array.from(f32(c.nested_absmax_f32_b64!)));
    expect(Array.from(resolveAbsmax(q))).toEqual(Array.from(f32(c.restored_absmax_f32_b64!)));
  });

  test('dequantization equals the reference', () => {
    expectClose(dequantize4bit(q), f32(c.dequant_f32_b64), { rtol: 0, atol: 0 }, c.name);
  });
});

describe('dequantization error', () => {
  test.each([
    ['nf4', false],
    ['nf4', true],
    ['fp4', false],
  ] as const)('%s (double quant %s) stays within half a code step of each block', (quantType, doubleQuant) => {
    const n = 64 * 300 + 17;
    const w = hashedWeights(n, 9, 0.05);
    const q = quantize4bit(w, [n], { quantType, doubleQuant });
    const dq = dequantize4bit(q);
    const absmax = resolveAbsmax(q);
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const err = Math.abs(dq[i]! - w[i]!);
      sq += err * err;
      // the widest gap between neighbouring NF4/FP4 codes is < 0.34 of absmax (FP4: 1/3); allow double-quant drift
      expect(err).toBeLessThanOrEqual(absmax[Math.floor(i / 64)]! * 0.34 + 1e-3);
    }
    const rmse = Math.sqrt(sq / n);
    expect(rmse).toBeGreaterThan(0);
    expect(rmse).toBeLessThan(0.1 * 0.05 * 8);
  });
});

describe('bits per parameter', () => {
  test.each([
    [64, false, 4.5],
    [64, true, 4.126953125],
    [128, false, 4.25],
  ])('blocksize %i double-quant %s → %f', (blocksize, dq, bits) => {
    expect(bitsPerParameter(blocksize, dq)).toBeCloseTo(bits, 9);
  });
  test('measured on a real tensor = the formula + the code tables and offset', () => {
    const n = 64 * 256 * 8;
    const q = quantize4bit(hashedWeights(n, 3, 1), [n], { doubleQuant: true });
    const tables = (16 + 256 + 1) * 4 * 8; // quant_map, nested_quant_map, offset — in bits
    expect(measuredBitsPerParameter(q)).toBeCloseTo(bitsPerParameter(64, true) + tables / n, 9);
  });
});

describe('bad input', () => {
  test.each([[16], [100], [8192], [48]])('blocksize %i is refused', (blocksize) => {
    expect(() => quantize4bit(new Float32Array(64), [64], { blocksize })).toThrow(/power of two from 32 to 4096/);
  });
  test('shape mismatch names both sizes', () => {
    expect(() => quantize4bit(new Float32Array(10), [3, 4])).toThrow(QuantizationError);
    expect(() => quantize4bit(new Float32Array(10), [3, 4])).toThrow(/expected 12 values for shape \[3, 4\], got 10/);
  });
  test('an all-zero block dequantizes to zeros, not NaN', () => {
    const q = quantize4bit(new Float32Array(128), [128]);
    expect(Array.from(dequantize4bit(q)).every((v) => v === 0)).toBe(true);
  });
});

describe('non-finite weights are refused, not spread over their block', () => {
  const withBad = (n: number, at: number[], value: number) => {
    const w = hashedWeights(n, 4, 0.1);
    for (const i of at) w[i] = value;
    return w;
  };
  test.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('one %s names the tensor, the index and the count', (shown, value) => {
    const w = withBad(256, [70, 200], value);
    for (const doubleQuant of [false, true]) {
      expect(() => quantize4bit(w, [4, 64], { name: 'model.layers.0.mlp.up_proj.weight', doubleQuant })).toThrow(
        new QuantizationError(
          `quantize4bit: tensor "model.layers.0.mlp.up_proj.weight": element 70 is ${shown}: expected finite values, got 2 non-finite of 256`,
        ),
      );
    }
  });
  test('without a name the message says quantize4bit: values', () => {
    expect(() => quantize4bit(withBad(64, [3], Number.NaN), [64])).toThrow(
      /^quantize4bit: values: element 3 is NaN: expected finite values, got 1 non-finite of 64$/,
    );
  });
  test('the blockwise quantizers refuse them too', () => {
    expect(() => quantize4bitBlockwise(withBad(100, [99], Number.NaN), NF4_CODE, 64)).toThrow(
      /quantize4bitBlockwise: values: element 99 is NaN/,
    );
    expect(() => quantize8bitBlockwise(withBad(300, [257], Number.POSITIVE_INFINITY), createDynamicMap(), 256)).toThrow(
      /quantize8bitBlockwise: values: element 257 is Infinity/,
    );
    expect(() => compressAbsmax(Float32Array.of(1, Number.NaN))).toThrow(/compressAbsmax: absmax: element 1 is NaN/);
  });
});

describe('quantize4bit checks its arguments', () => {
  const w = new Float32Array(64).fill(0.5);
  test.each([
    ['negative dimensions', [-2, -32], /shape\[0\]: expected a non-negative integer, got number -2 in \[-2, -32\]/],
    ['fractional dimensions', [0.5, 128], /shape\[0\]: expected a non-negative integer, got number 0.5/],
    ['a NaN dimension', [Number.NaN], /shape\[0\]: expected a non-negative integer, got number NaN/],
    ['a string dimension', ['64'], /shape\[0\]: expected a non-negative integer, got "64"/],
    ['an empty shape', [], /shape: expected a non-empty array of dimensions, got a plain array of 0/],
    ['no shape', undefined, /shape: expected a non-empty array of dimensions, got undefined/],
    ['a zero dimension', [0, 64], /expected at least one value \(no dimension of 0\) for shape \[0, 64\], got 64/],
  ])('%s', (_, shape, message) => {
    expect(() => quantize4bit(w, shape as number[])).toThrow(QuantizationError);
    expect(() => quantize4bit(w, shape as number[])).toThrow(message);
  });
  test.each([
    ['a plain array', Array.from(w), /values: expected a Float32Array, got a plain array of 64/],
    ['a Float64Array', Float64Array.from(w), /values: expected a Float32Array, got Float64Array\(64\)/],
    ['null', null, /values: expected a Float32Array, got null/],
  ])('values as %s', (_, values, message) => {
    expect(() => quantize4bit(values as unknown as Float32Array, [64])).toThrow(QuantizationError);
    expect(() => quantize4bit(values as unknown as Float32Array, [64])).toThrow(message);
  });
  test('options of the wrong kind', () => {
    expect(() => quantize4bit(w, [64], { dtype: 'int8' as 'float32' })).toThrow(/dtype: expected one of float32, float16, bfloat16, got "int8"/);
    expect(() => quantize4bit(w, [64], { doubleQuant: 'yes' as unknown as boolean })).toThrow(/doubleQuant: expected true or false/);
    expect(() => quantize4bit(w, [64], null as unknown as QuantizeOptions)).toThrow(/options: expected an object, got null/);
  });
  test('the blockwise quantizers check their arguments', () => {
    expect(() => quantize4bitBlockwise([1, 2] as unknown as Float32Array, NF4_CODE, 64)).toThrow(
      /quantize4bitBlockwise: values: expected a Float32Array, got a plain array of 2/,
    );
    expect(() => quantize4bitBlockwise(w, createDynamicMap(), 64)).toThrow(/code: expected a Float32Array of 16 entries, got Float32Array\(256\)/);
    expect(() => quantize8bitBlockwise(w, createDynamicMap(), 0)).toThrow(/blocksize: expected a positive integer, got number 0/);
  });
});
