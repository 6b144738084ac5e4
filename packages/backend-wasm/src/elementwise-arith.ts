// The wasm backend's add, mul, axpy, scale, addBias and columnSums: the reference's argument checks (@lora/core's
// KernelArgumentError, same messages), then a job (assembly/elementwise/arith.ts). Every result equals the
// reference's to the bit (see there), so calls under HOST_LOOP_MAX elements, where a job costs more than the loop,
// run the same expression on this side.
import {
  type AddArgs,
  type AddBiasArgs,
  type AxpyArgs,
  type ColumnSumsArgs,
  checkAddBiasArgs,
  checkAxpyArgs,
  checkBinaryArgs,
  checkColumnSumsArgs,
  checkScaleArgs,
  type HostArgs,
  type MulArgs,
  type ScaleArgs,
} from '@lora/core';
import { checkF32 } from './elementwise-checks.js';
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
  binary(run, 'add', 'EW_ADD', args);
}

export function mul(run: ElementwiseRunner, args: HostArgs<MulArgs>): void {
  binary(run, 'mul', 'EW_MUL', args);
}

function binary(
  run: ElementwiseRunner,
  kernel: string,
  kind: 'EW_ADD' | 'EW_MUL',
  args: HostArgs<AddArgs>,
): void {
  checkBinaryArgs(kernel, args);
  const { a, b, out, n } = args;
  for (const key of ['a', 'b', 'out'] as const) checkF32(kernel, `${key} (n)`, args[key], n);
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
  checkAxpyArgs(args);
  const { x, y, n, alpha } = args;
  checkF32('axpy', 'x (n)', x, n);
  checkF32('axpy', 'y (n)', y, n);
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
  checkScaleArgs(args);
  const { x, out, n, alpha } = args;
  checkF32('scale', 'x (n)', x, n);
  checkF32('scale', 'out (n)', out, n);
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
  checkAddBiasArgs(args);
  const { x, bias, rows, cols } = args;
  checkF32('addBias', 'x (T, C)', x, rows * cols);
  checkF32('addBias', 'bias (C)', bias, cols);
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
  checkColumnSumsArgs(args);
  const { x, outAccumulate: out, rows, cols } = args;
  checkF32('columnSums', 'x (T, C)', x, rows * cols);
  checkF32('columnSums', 'outAccumulate (C)', out, cols);
  if (cols === 0) return;
  run.run(
    'EW_COLUMN_SUMS',
    { x: [x, rows * cols, 'in'], out: [out, cols, 'inout'] },
    (p) => [p.x, p.out, rows, cols].map(i32),
    { units: Math.ceil(cols / 4), work: rows * cols * STREAM_COST }, // columns split in fours
  );
}
