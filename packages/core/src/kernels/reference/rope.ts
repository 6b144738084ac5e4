// Reference rotary embedding in the Hugging Face rotate_half layout (transformers apply_rotary_pos_emb).
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkLength, KernelArgumentError } from '../check.js';
import type { RopeArgs } from '../types.js';

/** Dims, rotaryDim and lengths; whether each position has a row of the cos/sin tables reads contents: rope checks it. */
export function checkRopeArgs(args: RopeArgs): void {
  const { x, out, tokens, heads, headDim, rotaryDim, positions } = args;
  checkDims('rope', { tokens, heads, headDim, rotaryDim });
  if (rotaryDim % 2 !== 0 || rotaryDim > headDim) {
    throw new KernelArgumentError(
      `rope: rotaryDim expected an even number <= headDim ${headDim}, got ${rotaryDim}`,
    );
  }
  checkLength('rope', 'x (T, H, D)', x, tokens * heads * headDim);
  checkLength('rope', 'out (T, H, D)', out, tokens * heads * headDim);
  checkLength('rope', 'positions (T)', positions, tokens);
}

/**
 * For each head and i < rotaryDim/2, with θ from the cos/sin tables at the row's position:
 * out[i] = x[i]·cos θ − x[i+half]·sin θ, out[i+half] = x[i+half]·cos θ + x[i]·sin θ; dims ≥ rotaryDim pass through.
 * `inverse` rotates by −θ, the transpose, so it is also the backward. `out` may alias `x`.
 */
export function rope(args: HostArgs<RopeArgs>): void {
  checkRopeArgs(args);
  const { x, out, tokens, heads, headDim, rotaryDim, positions, cos, sin } = args;
  const half = rotaryDim / 2;
  for (let t = 0; t < tokens; t++) {
    const p = positions[t]!;
    if (p < 0 || (p + 1) * half > cos.length || (p + 1) * half > sin.length) {
      const rowsHeld = Math.floor(Math.min(cos.length, sin.length) / Math.max(half, 1));
      throw new KernelArgumentError(
        `rope: positions[${t}] expected in [0, ${rowsHeld}) of the cos/sin tables, got ${p}`,
      );
    }
  }
  const sign = args.inverse ? -1 : 1;
  for (let t = 0; t < tokens; t++) {
    const tableBase = positions[t]! * half; // row of the (P, rotaryDim/2) tables
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headDim; // (T, H, D)
      for (let i = 0; i < half; i++) {
        const c = cos[tableBase + i]!;
        const s = sign * sin[tableBase + i]!;
        const x1 = x[base + i]!;
        const x2 = x[base + i + half]!; // both read before either write, so out may alias x
        out[base + i] = x1 * c - x2 * s;
        out[base + i + half] = x2 * c + x1 * s;
      }
      if (out !== x) for (let d = rotaryDim; d < headDim; d++) out[base + d] = x[base + d]!;
    }
  }
}
