// SiLU and GELU (tanh approximation) with their backward passes on webgpu, one invocation per element. Every
// exponential takes a non-positive argument, so nothing overflows: ½(1 + tanh u) is computed as sigmoid(2u), and
// 1 − sigmoid(z) as sigmoid(−z), which also keeps the cancelling tails accurate.
import { checkUnaryArgs, type UnaryArgs, type UnaryBackwardArgs } from '@lora/core';
import type { ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';
import { flatProgram, runFlat } from './flat-program.js';

const HELPERS = `
/** sigmoid(z) = 1 / (1 + e^−z), from exp(−|z|) ≤ 1 */
fn sigmoid(z: f32) -> f32 {
  let e = exp(-abs(z));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), z >= 0.0);
}
const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const GELU_COEF: f32 = 0.044715;
/** 2u for gelu's u = √(2/π) · (x + 0.044715 · x³) */
fn gelu_2u(x: f32) -> f32 { return 2.0 * SQRT_2_OVER_PI * (x + GELU_COEF * x * x * x); }
`;

const UNARY: ProgramSpec['arrays'] = [
  { name: 'x', type: 'f32' },
  { name: 'out', type: 'f32', write: true },
];
const BACKWARD: ProgramSpec['arrays'] = [
  { name: 'x', type: 'f32' },
  { name: 'dout', type: 'f32' },
  { name: 'dx', type: 'f32', write: true },
];

/** out = x · sigmoid(x) */
const SILU = flatProgram('silu', UNARY, [], 'let v = ld_x(i); st_out(i, v * sigmoid(v));', HELPERS);

/** dx = dout · s · (1 + x · (1 − s)) */
const SILU_BACKWARD = flatProgram(
  'siluBackward',
  BACKWARD,
  [],
  'let v = ld_x(i); st_dx(i, ld_dout(i) * sigmoid(v) * (1.0 + v * sigmoid(-v)));',
  HELPERS,
);

/** out = ½ · x · (1 + tanh u) = x · sigmoid(2u) */
const GELU = flatProgram(
  'geluTanh',
  UNARY,
  [],
  'let v = ld_x(i); st_out(i, v * sigmoid(gelu_2u(v)));',
  HELPERS,
);

/**
 * dx = dout · (½(1 + t) + ½ · x · (1 − t²) · u′), t = tanh u; with σ = sigmoid(2u): ½(1 + t) = σ and
 * 1 − t² = 4σ(1 − σ), so dx = dout · (σ + 2 · x · σ · (1 − σ) · u′).
 */
const GELU_BACKWARD = flatProgram(
  'geluTanhBackward',
  BACKWARD,
  [],
  `let v = ld_x(i);
  let z = gelu_2u(v);
  let s = sigmoid(z);
  let du = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_COEF * v * v);
  st_dx(i, ld_dout(i) * (s + 2.0 * v * s * sigmoid(-z) * du));`,
  HELPERS,
);

export function silu(gpu: WebGpuState, args: UnaryArgs): void {
  checkUnaryArgs('silu', args);
  runFlat(gpu, SILU, { x: args.x, out: args.out }, { n: args.n });
}

export function siluBackward(gpu: WebGpuState, args: UnaryBackwardArgs): void {
  checkUnaryArgs('siluBackward', args);
  runFlat(gpu, SILU_BACKWARD, { x: args.x, dout: args.dout, dx: args.dx }, { n: args.n });
}

export function geluTanh(gpu: WebGpuState, args: UnaryArgs): void {
  checkUnaryArgs('geluTanh', args);
  runFlat(gpu, GELU, { x: args.x, out: args.out }, { n: args.n });
}

export function geluTanhBackward(gpu: WebGpuState, args: UnaryBackwardArgs): void {
  checkUnaryArgs('geluTanhBackward', args);
  runFlat(gpu, GELU_BACKWARD, { x: args.x, dout: args.dout, dx: args.dx }, { n: args.n });
}
