// Reference: packages/core/src/kernels/reference/rope.ts — rotary embedding in the Hugging Face rotate_half layout
// (transformers apply_rotary_pos_emb), float32 lanes over the pair index, tokens split across threads.
import { argF32, argI32, argPtr, at, shareStart } from './job-args';

/**
 * Job EW_ROPE: for each head and i < rotaryDim/2, θ from the tables at the token's position,
 * out[i] = x[i]·cos θ − x[i+half]·sin θ, out[i+half] = x[i+half]·cos θ + x[i]·sin θ; dims ≥ rotaryDim pass
 * through. sign −1 rotates by −θ (inverse, the backward). out may alias x: each pair is read before it is written.
 * Args: x, out, tokens, heads, headDim, rotaryDim, positions (i32, checked in range), cos, sin, sign (f32).
 */
export function ropeThread(job: usize, tid: i32, nthreads: i32): void {
  const x = argPtr(job, 0);
  const out = argPtr(job, 1);
  const tokens = argI32(job, 2);
  const heads = argI32(job, 3);
  const headDim = argI32(job, 4);
  const rotaryDim = argI32(job, 5);
  const positions = argPtr(job, 6);
  const cosTable = argPtr(job, 7);
  const sinTable = argPtr(job, 8);
  const sign = argF32(job, 9);
  const half = rotaryDim >> 1;
  const vecEnd = half & ~3; // lanes [i, i + 4) stay inside [0, half): no pair is written before it is read
  const sign4 = f32x4.splat(sign);
  const t1 = shareStart(tokens, tid + 1, nthreads);
  for (let t = shareStart(tokens, tid, nthreads); t < t1; t++) {
    const tableBase = load<i32>(at(positions, t)) * half; // row of the (P, rotaryDim/2) tables
    const cosRow = at(cosTable, tableBase);
    const sinRow = at(sinTable, tableBase);
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headDim; // (T, H, D)
      const xr = at(x, base);
      const or = at(out, base);
      for (let i = 0; i < vecEnd; i += 4) {
        const c = v128.load(at(cosRow, i));
        const s = f32x4.mul(sign4, v128.load(at(sinRow, i)));
        const x1 = v128.load(at(xr, i));
        const x2 = v128.load(at(xr, i + half));
        v128.store(at(or, i), f32x4.sub(f32x4.mul(x1, c), f32x4.mul(x2, s)));
        v128.store(at(or, i + half), f32x4.add(f32x4.mul(x2, c), f32x4.mul(x1, s)));
      }
      for (let i = vecEnd; i < half; i++) {
        const c = load<f32>(at(cosRow, i));
        const s = sign * load<f32>(at(sinRow, i));
        const x1 = load<f32>(at(xr, i));
        const x2 = load<f32>(at(xr, i + half));
        store<f32>(at(or, i), x1 * c - x2 * s);
        store<f32>(at(or, i + half), x2 * c + x1 * s);
      }
      if (or !== xr && rotaryDim < headDim)
        memory.copy(at(or, rotaryDim), at(xr, rotaryDim), (<usize>(headDim - rotaryDim)) << 2);
    }
  }
}
