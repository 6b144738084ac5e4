// The wasm backend's add, mul, axpy, scale, addBias and columnSums, behind the boundary checks of
// elementwise-register.ts (@lora/core's): a job (assembly/elementwise/arith.ts). Every result equals the
// reference's to the bit (see there), so calls under HOST_LOOP_MAX elements, where a job costs more than the loop,
// run the same expression on this side.
import type {
  AddArgs,
  AddBiasArgs,
  AxpyArgs,
  ColumnSumsArgs,
  HostArgs,
  MulArgs,
  ScaleArgs,
} from '@lora/core';
import { f64, i32 } from './elementwise-job.js';
import type { ElementwiseRunner } from './elementwise-run.js';

/**
 * Relative cost per element of a pass that streams memory with one or two operations per element, against the
 * multiply-add pass (a norm's row) that ELEMENTWISE_MIN_PARALLEL_WORK is measured in: such a pass goes to the pool
 * from ≈ 256 K elements (at 128 K two threads were slower than one here, at 1 M they were 1.5× faster).
 */
export const STREAM_COST = 1 / 8;

/**
 * Below this many elements the loop runs on this side: a job costs 2–3 µs whatever its size, where a JS loop over
 * 1024 floats takes ≈ 1 µs (measured). Same bits either way.
 */
export const HOST_LOOP_MAX = 1024;

export function add(run: ElementwiseRunner, args: HostArgs<AddArgs>): void {
  binary(run, 'EW_ADD', args);
}

export function mul(run: ElementwiseRunner, args: HostArgs<MulArgs>): void {
  binary(run, 'EW_MUL', args);
}

function binary(run: ElementwiseRunner, kind: 'EW_ADD' | 'EW_MUL', args: HostArgs<AddArgs>): void {
  const { a, b, out, n } = args;
  if (n < HOST_LOOP_MAX) {
    if (kind === 'EW_MUL') for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
    else for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
    return;
  }
  run.run(
    kind,
    { a: [a, n, 'in'], b: [b, n, 'in'], out: [out, n, 'out'] }, // out may alias a or b: one staged copy
    (p) => [p.a, p.b, p.out, n].map(i32),
    { units: Math.ceil(n / 4), work: n * STREAM_COST },
  );
}

export function axpy(run: ElementwiseRunner, args: HostArgs<AxpyArgs>): void {
  const { x, y, n, alpha } = args;
  if (n < HOST_LOOP_MAX) {
    for (let i = 0; i < n; i++) y[i] = y[i]! + alpha * x[i]!;
    return;
  }
  run.run(
    'EW_AXPY',
    { x: [x, n, 'in'], y: [y, n, 'inout'] },
    (p) => [i32(p.x), i32(p.y), i32(n), f64(alpha)],
    {
      units: Math.ceil(n / 4),
      work: n * STREAM_COST,
    },
  );
}

export function scale(run: ElementwiseRunner, args: HostArgs<ScaleArgs>): void {
  const { x, out, n, alpha } = args;
  if (n < HOST_LOOP_MAX) {
    for (let i = 0; i < n; i++) out[i] = alpha * x[i]!;
    return;
  }
  run.run(
    'EW_SCALE',
    { x: [x, n, 'in'], out: [out, n, 'out'] },
    (p) => [i32(p.x), i32(p.out), i32(n), f64(alpha)],
    { units: Math.ceil(n / 4), work: n * STREAM_COST },
  );
}

export function addBias(run: ElementwiseRunner, args: HostArgs<AddBiasArgs>): void {
  const { x, bias, rows, cols } = args;
  if (rows * cols < HOST_LOOP_MAX) {
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < cols; j++) x[r * cols + j] = x[r * cols + j]! + bias[j]!;
    return;
  }
  run.run(
    'EW_ADD_BIAS',
    { x: [x, rows * cols, 'inout'], bias: [bias, cols, 'in'] },
    (p) => [p.x, p.bias, rows, cols].map(i32),
    { units: rows, work: rows * cols * STREAM_COST },
  );
}

export function columnSums(run: ElementwiseRunner, args: HostArgs<ColumnSumsArgs>): void {
  const { x, outAccumulate: out, rows, cols } = args;
  if (cols === 0) return;
  run.run(
    'EW_COLUMN_SUMS',
    { x: [x, rows * cols, 'in'], out: [out, cols, 'inout'] },
    (p) => [p.x, p.out, rows, cols].map(i32),
    { units: Math.ceil(cols / 4), work: rows * cols * STREAM_COST }, // columns split in fours
  );
}
