// Rotary embedding (transformers apply_rotary_pos_emb, rotate_half layout) on webgpu: one invocation per rotated
// pair (i, i + half) of a head, or per passed-through dim ≥ rotaryDim. Each invocation reads its elements before it
// writes them and no two touch the same element, so out may alias x.
import { checkRopeArgs, type RopeArgs } from '@lora/core';
import { flatProgram, runFlat } from './flat-program.js';
import type { WebGpuState } from '../state.js';

const ROPE = flatProgram(
  'rope',
  [
    { name: 'x', type: 'f32' },
    { name: 'out', type: 'f32', write: true },
    { name: 'positions', type: 'i32' },
    { name: 'cos', type: 'f32' },
    { name: 'sin', type: 'f32' },
  ],
  [
    { name: 'perHead', type: 'u32' }, // work items per head: half + (headDim − rotaryDim)
    { name: 'heads', type: 'u32' },
    { name: 'headDim', type: 'u32' },
    { name: 'half', type: 'u32' },
    { name: 'tableRows', type: 'u32' }, // rows of the (P, half) tables both hold
    { name: 'sign', type: 'f32' }, // −1 for the inverse rotation
  ],
  `let row = i / p.perHead; // (t, h)
  let j = i % p.perHead;
  let base = row * p.headDim; // (T, H, D)
  if (j >= p.half) {
    let d = base + p.half + j; // rotaryDim + (j − half)
    st_out(d, ld_x(d));
    return;
  }
  // positions are validated on the host; one out of range reads the nearest table row instead of faulting
  let pos = u32(clamp(ld_positions(row / p.heads), 0, i32(max(p.tableRows, 1u)) - 1));
  let c = ld_cos(pos * p.half + j);
  let s = p.sign * ld_sin(pos * p.half + j);
  let x1 = ld_x(base + j);
  let x2 = ld_x(base + j + p.half);
  st_out(base + j, x1 * c - x2 * s);
  st_out(base + j + p.half, x2 * c + x1 * s);`,
);

export function rope(gpu: WebGpuState, args: RopeArgs): void {
  checkRopeArgs(args);
  const { tokens, heads, headDim, rotaryDim } = args;
  const half = rotaryDim / 2;
  const perHead = half + headDim - rotaryDim;
  const tableRows = half > 0 ? Math.floor(Math.min(args.cos.length, args.sin.length) / half) : 0;
  runFlat(
    gpu,
    ROPE,
    { x: args.x, out: args.out, positions: args.positions, cos: args.cos, sin: args.sin },
    { n: tokens * heads * perHead, perHead, heads, headDim, half, tableRows, sign: args.inverse ? -1 : 1 },
  );
}
