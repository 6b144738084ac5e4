// Tanh soft-capping (Gemma 2's attention scores and final logits) and its gradient on webgpu, one invocation per
// element. tanh as the wasm backend's (Cephes tanhf): an odd polynomial for |u| < 0.625, where tanh u ≈ u keeps its
// relative accuracy, and (1 − e)/(1 + e) with e = exp(−2|u|) ≤ 0.29 above — no overflow, whatever builtin tanh a
// driver has.
import { checkSoftcapArgs, type SoftcapArgs, type SoftcapBackwardArgs } from '@lora/core';
import type { WebGpuState } from '../state.js';
import { flatProgram, runFlat } from './flat-program.js';

const TANH = `
fn tanh_capped(u: f32) -> f32 {
  let a = abs(u);
  if (a < 0.625) {
    let z = u * u;
    let p = (((-5.70498872745e-3 * z + 2.06390887954e-2) * z - 5.37397155531e-2) * z + 1.33314422036e-1) * z
      - 3.33332819422e-1;
    return p * z * u + u;
  }
  let e = exp(-2.0 * a);
  return select((1.0 - e) / (1.0 + e), -(1.0 - e) / (1.0 + e), u < 0.0);
}
`;

/** out = cap · tanh(x / cap); out may alias x */
const SOFTCAP = flatProgram(
  'softcap',
  [
    { name: 'x', type: 'f32' },
    { name: 'out', type: 'f32', write: true },
  ],
  [{ name: 'cap', type: 'f32' }],
  'st_out(i, p.cap * tanh_capped(ld_x(i) / p.cap));',
  TANH,
);

/** dx = dy · (1 − (y / cap)²); dx may alias dy */
const SOFTCAP_BACKWARD = flatProgram(
  'softcapBackward',
  [
    { name: 'y', type: 'f32' },
    { name: 'dy', type: 'f32' },
    { name: 'dx', type: 'f32', write: true },
  ],
  [{ name: 'cap', type: 'f32' }],
  'let t = ld_y(i) / p.cap; st_dx(i, ld_dy(i) * (1.0 - t * t));',
);

export function softcap(gpu: WebGpuState, args: SoftcapArgs): void {
  checkSoftcapArgs('softcap', args);
  runFlat(gpu, SOFTCAP, { x: args.x, out: args.out }, { n: args.n, cap: args.cap });
}

export function softcapBackward(gpu: WebGpuState, args: SoftcapBackwardArgs): void {
  checkSoftcapArgs('softcapBackward', args);
  runFlat(gpu, SOFTCAP_BACKWARD, { y: args.y, dy: args.dy, dx: args.dx }, { n: args.n, cap: args.cap });
}
