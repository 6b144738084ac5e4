// Cases of dequantizeAbsmax (double-quantized absmax restored: code[q] · nestedAbsmax[block] + offset): one value,
// odd sizes, nested blocks of 256, 64 and 3 with a partial last block, and sizes past the 65536-element chunks.
import { caseList, type KernelCase } from './case-list.js';
import { ints, poisoned, uniform } from './inputs.js';

const { cases, add } = caseList();

const NESTED_CODE = Float32Array.from({ length: 256 }, (_, i) => (i - 128) / 128);
for (const [n, nestedBlocksize] of [
  [1, 256],
  [7, 256],
  [1031, 256],
  [5003, 64],
  [4099, 3],
  [65539, 256],
] as const) {
  add('dequantizeAbsmax', `n ${n}, blocks of ${nestedBlocksize}`, (rng) => ({
    qabsmax: Uint8Array.from(ints(rng, n, 256)),
    nestedAbsmax: uniform(rng, Math.ceil(n / nestedBlocksize), 0.001, 0.01),
    nestedCode: NESTED_CODE.slice(),
    nestedBlocksize,
    offset: Math.fround(0.0123),
    out: poisoned(n),
    n,
  }));
}

export const DEQUANTIZE_ABSMAX_CASES: readonly KernelCase[] = cases;
