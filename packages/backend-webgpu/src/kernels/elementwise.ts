// Elementwise kernels: fill, add, mul, axpy, scale — one invocation per element, flat 1-D dispatch (groups1d).
import {
  type AddArgs,
  type AxpyArgs,
  checkAxpyArgs,
  checkBinaryArgs,
  checkFillArgs,
  checkScaleArgs,
  type FillArgs,
  type MulArgs,
  type ScaleArgs,
} from '@lora/core';
import { FLAT_INDEX, groups1d, type ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';

const WG = 256;

/** A program whose main computes `statement` for each element index i < p.n. */
function elementwise(key: string, arrays: ProgramSpec['arrays'], statement: string, uniforms: ProgramSpec['uniforms'] = []): ProgramSpec {
  return {
    key,
    arrays,
    uniforms: [{ name: 'n', type: 'u32' }, ...uniforms],
    body: `${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid, ${WG}u);
  if (i >= p.n) { return; }
  ${statement}
}
`,
  };
}

const FILL = elementwise('fill', [{ name: 'x', type: 'f32', write: true }], 'st_x(i, p.value);', [
  { name: 'value', type: 'f32' },
]);
const FILL_I32 = elementwise('fill:i32', [{ name: 'x', type: 'i32', write: true }], 'st_x(i, p.value);', [
  { name: 'value', type: 'i32' },
]);
const ADD = elementwise(
  'add',
  [
    { name: 'a', type: 'f32' },
    { name: 'b', type: 'f32' },
    { name: 'out', type: 'f32', write: true },
  ],
  'st_out(i, ld_a(i) + ld_b(i));',
);
const MUL = elementwise(
  'mul',
  [
    { name: 'a', type: 'f32' },
    { name: 'b', type: 'f32' },
    { name: 'out', type: 'f32', write: true },
  ],
  'st_out(i, ld_a(i) * ld_b(i));',
);
const AXPY = elementwise(
  'axpy',
  [
    { name: 'x', type: 'f32' },
    { name: 'y', type: 'f32', write: true },
  ],
  'st_y(i, ld_y(i) + p.alpha * ld_x(i));',
  [{ name: 'alpha', type: 'f32' }],
);
const SCALE = elementwise(
  'scale',
  [
    { name: 'x', type: 'f32' },
    { name: 'out', type: 'f32', write: true },
  ],
  'st_out(i, p.alpha * ld_x(i));',
  [{ name: 'alpha', type: 'f32' }],
);

export function fill(gpu: WebGpuState, args: FillArgs): void {
  checkFillArgs(args);
  const program = args.x[Symbol.toStringTag] === 'DeviceI32' ? FILL_I32 : FILL;
  gpu.programs.run(program, { x: args.x }, { n: args.n, value: args.value }, groups1d(args.n, WG));
}

export function add(gpu: WebGpuState, args: AddArgs): void {
  checkBinaryArgs('add', args);
  gpu.programs.run(ADD, { a: args.a, b: args.b, out: args.out }, { n: args.n }, groups1d(args.n, WG));
}

export function mul(gpu: WebGpuState, args: MulArgs): void {
  checkBinaryArgs('mul', args);
  gpu.programs.run(MUL, { a: args.a, b: args.b, out: args.out }, { n: args.n }, groups1d(args.n, WG));
}

export function axpy(gpu: WebGpuState, args: AxpyArgs): void {
  checkAxpyArgs(args);
  gpu.programs.run(AXPY, { x: args.x, y: args.y }, { n: args.n, alpha: args.alpha }, groups1d(args.n, WG));
}

export function scale(gpu: WebGpuState, args: ScaleArgs): void {
  checkScaleArgs(args);
  gpu.programs.run(SCALE, { x: args.x, out: args.out }, { n: args.n, alpha: args.alpha }, groups1d(args.n, WG));
}
