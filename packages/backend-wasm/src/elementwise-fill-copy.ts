// The wasm backend's fill and stridedCopy, behind the boundary checks of elementwise-register.ts (@lora/core's): a
// job (assembly/elementwise/fill-copy.ts) on arrays that live in wasm memory. Arrays elsewhere
// are not staged: fill would copy out n values it never read, and a strided copy would have to copy its whole
// destination extent in and out to keep the values between the runs; there the copy runs on this side (typed-array
// fill and set, memcpy speed). A fill that stays on one thread runs there too: TypedArray.fill is a memset, as
// fast as the wasm loop (measured), without a job.
import type { FillArgs, HostArgs, StridedCopyArgs } from '@lora/core';
import { i32 } from './elementwise-job.js';
import type { ElementwiseRunner } from './elementwise-run.js';

/**
 * Relative cost per element of a pass that only moves memory, against a multiply-add pass: a fill or copy goes to
 * the pool from ≈ 512 K elements (see STREAM_COST).
 */
const COPY_COST = 1 / 16;

/** Runs shorter than this are copied element by element on this side; longer ones with set(). */
const SET_MIN_RUN = 32;

const bits = new Int32Array(1);
const bitsAsF32 = new Float32Array(bits.buffer);

export function fill(run: ElementwiseRunner, args: HostArgs<FillArgs>): void {
  const { x, n, value } = args;
  if (n === 0) return;
  const units = Math.ceil(n / 4);
  if (!run.isResident(x) || !run.parallel(n * COPY_COST, units)) {
    x.fill(value, 0, n);
    return;
  }
  // the 32-bit word the typed array's own fill would store: value rounded to float32, or ToInt32(value)
  if (x instanceof Float32Array) bitsAsF32[0] = value;
  else bits[0] = value;
  const word = bits[0]!;
  run.run('EW_FILL', { x: [x, n, 'out'] }, (p) => [p.x, n, word].map(i32), { units, work: n * COPY_COST });
}

export function stridedCopy(run: ElementwiseRunner, args: HostArgs<StridedCopyArgs>): void {
  const { src, dst, counts, inner, srcStrides: s, dstStrides: d } = args;
  const runs = counts[0] * counts[1] * counts[2];
  if (runs === 0 || inner === 0) return;
  if (!run.isResident(src) || !run.isResident(dst)) {
    copyOnHost(src, dst, counts, inner, s, d);
    return;
  }
  run.run(
    'EW_STRIDED_COPY',
    { src: [src, src.length, 'in'], dst: [dst, dst.length, 'inout'] },
    (p) => [p.src, p.dst, ...counts, inner, ...s, ...d].map(i32),
    { units: runs, work: runs * inner * COPY_COST },
  );
}

/** The strided copy on this side: set() for long runs, an element loop for short ones (no subarray per run). */
function copyOnHost(
  src: Float32Array,
  dst: Float32Array,
  counts: readonly [number, number, number],
  inner: number,
  s: readonly [number, number, number],
  d: readonly [number, number, number],
): void {
  for (let i = 0; i < counts[0]; i++) {
    for (let j = 0; j < counts[1]; j++) {
      for (let k = 0; k < counts[2]; k++) {
        const from = i * s[0] + j * s[1] + k * s[2];
        const to = i * d[0] + j * d[1] + k * d[2];
        if (inner >= SET_MIN_RUN) dst.set(src.subarray(from, from + inner), to);
        else for (let e = 0; e < inner; e++) dst[to + e] = src[from + e]!;
      }
    }
  }
}
