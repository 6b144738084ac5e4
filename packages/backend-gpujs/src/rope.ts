// Reference: transformers apply_rotary_pos_emb (rotate_half layout); inverse rotates by −θ and is the backward.

import type { HostArgs, RopeArgs } from '@lora/core';
import { checkDims, checkLength, KernelArgumentError } from '@lora/core';
import type { KernelThis, Plan } from './runner.js';
import { launch } from './runner.js';
import { head } from './upload.js';

interface RopeConstants {
  heads: number;
  headDim: number;
  half: number;
}

// One cell (dim x, head y, token z); cos/sin hold one (rotaryDim/2) row per token, gathered by position.
function ropeCell(
  this: KernelThis<RopeConstants>,
  x: Float32Array,
  cosRows: Float32Array,
  sinRows: Float32Array,
  sign: number,
): number {
  const d = this.thread.x;
  const base = (this.thread.z * this.constants.heads + this.thread.y) * this.constants.headDim;
  if (d >= 2 * this.constants.half) return x[base + d]!;
  const row = this.thread.z * this.constants.half;
  if (d < this.constants.half) {
    return x[base + d]! * cosRows[row + d]! - x[base + d + this.constants.half]! * sign * sinRows[row + d]!;
  }
  const i = d - this.constants.half;
  return x[base + d]! * cosRows[row + i]! + x[base + i]! * sign * sinRows[row + i]!;
}

export function* ropePlan(args: HostArgs<RopeArgs>): Plan {
  const { x, out, tokens, heads, headDim, rotaryDim, positions, cos, sin } = args;
  checkDims('rope', { tokens, heads, headDim, rotaryDim });
  if (rotaryDim % 2 !== 0 || rotaryDim > headDim) {
    throw new KernelArgumentError(
      `rope: rotaryDim expected an even number <= headDim ${headDim}, got ${rotaryDim}`,
    );
  }
  const half = rotaryDim / 2;
  const size = tokens * heads * headDim;
  checkLength('rope', 'x (T, H, D)', x, size);
  checkLength('rope', 'out (T, H, D)', out, size);
  checkLength('rope', 'positions (T)', positions, tokens);
  const cosRows = new Float32Array(Math.max(tokens * half, 1)); // (T, rotaryDim/2)
  const sinRows = new Float32Array(Math.max(tokens * half, 1)); // (T, rotaryDim/2)
  for (let t = 0; t < tokens; t++) {
    const p = positions[t]!;
    if (!(p >= 0) || (p + 1) * half > cos.length || (p + 1) * half > sin.length) {
      const tableRows = Math.floor(Math.min(cos.length, sin.length) / Math.max(half, 1));
      throw new KernelArgumentError(
        `rope: positions[${t}] expected in [0, ${tableRows}) of the cos/sin tables, got ${p}`,
      );
    }
    cosRows.set(cos.subarray(p * half, (p + 1) * half), t * half);
    sinRows.set(sin.subarray(p * half, (p + 1) * half), t * half);
  }
  if (size === 0) return;
  yield launch(
    `rope:${tokens}x${heads}x${headDim}:${rotaryDim}`,
    () => ({
      fn: ropeCell,
      output: [headDim, heads, tokens], // (T, H, D)
      constants: { heads, headDim, half },
      argumentTypes: { x: 'Array', cosRows: 'Array', sinRows: 'Array', sign: 'Float' },
    }),
    [head(x, size), cosRows, sinRows, args.inverse ? -1 : 1],
    out,
  );
}
