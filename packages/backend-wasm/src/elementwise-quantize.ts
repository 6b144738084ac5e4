// The wasm backend's quantize4bitBlockwise: blockwise 4-bit quantization of a tensor as it loads, on the worker
// threads (assembly/elementwise/quantize-4bit.ts, whole blocks per thread). Behind the boundary checks of
// elementwise-register.ts (@lora/core's); the nearest-code bucket table is @lora/core's, built once per code table.
import { type HostArgs, nearestCodeBuckets, type Quantize4bitBlockwiseArgs } from '@lora/core';
import { STREAM_COST } from './elementwise-arith.js';
import { i32 } from './elementwise-job.js';
import type { ElementwiseRunner } from './elementwise-run.js';

/** A code per bucket (or −1: scan) for each code table seen, keyed by its 16 values' bits. */
const tables = new Map<string, Uint8Array>();

/** @lora/core's nearestCodeBuckets of `code`'s first 16 entries, as bytes (−1 is 0xff), cached by value. */
function bucketTable(code: Float32Array): Uint8Array {
  const first16 = code.slice(0, 16);
  const key = Array.from(new Uint32Array(first16.buffer)).join(',');
  let table = tables.get(key);
  if (!table) {
    const buckets = nearestCodeBuckets(first16);
    table = new Uint8Array(buckets.buffer, buckets.byteOffset, buckets.length);
    tables.set(key, table);
  }
  return table;
}

/** Per element: a max, a division per block, a product, a clamp and a table lookup. */
const QUANTIZE_COST = 4 * STREAM_COST;

export function quantize4bitBlockwise(
  run: ElementwiseRunner,
  args: HostArgs<Quantize4bitBlockwiseArgs>,
): void {
  const { values, code, blocksize, n, packed, absmax } = args;
  if (n === 0) return;
  const table = bucketTable(code);
  const blocks = Math.ceil(n / blocksize);
  run.run(
    'EW_QUANTIZE_4BIT',
    {
      values: [values, n, 'in'],
      code: [code, 16, 'in'],
      table: [table, table.length, 'in'],
      packed: [packed, Math.ceil(n / 2), 'out'],
      absmax: [absmax, blocks, 'out'],
    },
    (p) => [p.values, p.code, p.table, blocksize, n, p.packed, p.absmax].map(i32),
    { units: Math.ceil(blocks / (blocksize % 2 === 1 ? 2 : 1)), work: n * QUANTIZE_COST },
  );
}
