// Cases of quantize4bitBlockwise (blockwise absmax 4-bit codes, two per byte): one value, odd sizes with a ragged last
// block, sizes past 1000 and past the 65536-element chunks, blocks of all zeros, all-negative blocks, odd block
// sizes (a byte shared by two blocks), values exactly between two codes of a shuffled table (first index wins), and
// values on the nearest-code buckets' edges.
import { caseList, type KernelCase } from './case-list.js';
import { normal, type Rng, uniform } from './inputs.js';

const { cases, add } = caseList();

/** bitsandbytes' NF4 table (get_4bit_type('nf4'), as @lora/quant-nf4's NF4_CODE). */
const NF4 = Float32Array.from([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
  -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
]);
/** FP4 over its max (get_4bit_type('fp4')): 0 and −0 both in the table, not sorted. */
const FP4 = Float32Array.from(
  [0, 0.0625, 8, 12, 4, 6, 2, 3, -0, -0.0625, -8, -12, -4, -6, -2, -3].map((v) => v / 12),
);
/** Multiples of 1/4, shuffled, some twice: a value on a multiple of 1/8 is exactly between two codes. */
const QUARTERS = Float32Array.from([
  0.5, -1, 0.25, 0.5, 1, -0.25, 0, -0.5, 0.75, -0.75, 0.25, 1, -1, 0, -0.75, 0.5,
]);

function quantizeArgs(values: Float32Array, code: Float32Array, blocksize: number) {
  const n = values.length;
  return {
    values,
    code: code.slice(),
    blocksize,
    n,
    packed: new Uint8Array(Math.ceil(n / 2)).fill(0xab), // every byte must be overwritten
    absmax: new Float32Array(Math.ceil(n / blocksize)).fill(Number.NaN),
  };
}

for (const [n, blocksize, code, label] of [
  [1, 64, NF4, 'nf4'],
  [7, 64, NF4, 'nf4'],
  [1031, 64, NF4, 'nf4'],
  [4099, 32, FP4, 'fp4'],
  [10_001, 4096, NF4, 'nf4'],
  [65_539, 64, NF4, 'nf4'],
  [1001, 3, NF4, 'nf4'],
  [17, 5, FP4, 'fp4'],
] as const) {
  add('quantize4bitBlockwise', `n ${n}, blocks of ${blocksize}, ${label}`, (rng) =>
    quantizeArgs(normal(rng, n, 0.05), code, blocksize),
  );
}

add('quantize4bitBlockwise', 'n 2051, blocks of 64, some all zero', (rng: Rng) => {
  const values = normal(rng, 2051, 0.02);
  for (const b of [0, 5, 6, 32]) values.fill(0, b * 64, Math.min((b + 1) * 64, values.length));
  values[7 * 64 + 3] = -0; // one −0 in a block that is otherwise live
  return quantizeArgs(values, NF4, 64);
});

add('quantize4bitBlockwise', 'n 1283, blocks of 128, all negative', (rng) =>
  quantizeArgs(uniform(rng, 1283, -2, -0.001), NF4, 128),
);

add('quantize4bitBlockwise', 'n 1027, blocks of 64, ties between codes of a shuffled table', (rng) => {
  // each block holds ±1 (absmax 1, so a value codes as itself) and otherwise multiples of 1/8: half of them ties
  const values = Float32Array.from({ length: 1027 }, () => (rng.int(17) - 8) / 8);
  for (let b = 0; b * 64 < values.length; b++) values[b * 64] = b % 2 === 0 ? 1 : -1;
  return quantizeArgs(values, QUARTERS, 64);
});

add(
  'quantize4bitBlockwise',
  'n 2049, blocks of 64, values at and next to bucket edges and subnormals',
  (rng) => {
    // each block holds 1 (absmax 1): the others sit on k/2048 (the nearest-code buckets' edges), one float32 step either
    // side of one, or are ±0 and subnormals, where a float32 and a float64 bucket index may differ
    const tiny = [2 ** -149, -(2 ** -149), 1e-30, -1e-30, 0, -0, 2 ** -126, -(2 ** -126)];
    const values = Float32Array.from({ length: 2049 }, (_, i) => {
      if (i % 64 === 0) return 1;
      if (i % 4 === 1) return tiny[rng.int(tiny.length)]!;
      const edge = Math.fround((rng.int(4097) - 2048) / 2048);
      const step = Math.max(Math.abs(edge), 2 ** -126) * 2 ** -23;
      return Math.max(-1, Math.min(1, edge + (rng.int(3) - 1) * step));
    });
    return quantizeArgs(values, NF4, 64);
  },
);

export const QUANTIZE_4BIT_CASES: readonly KernelCase[] = cases;
