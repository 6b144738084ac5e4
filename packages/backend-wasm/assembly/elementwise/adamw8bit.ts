// Reference: packages/core/src/kernels/reference/adamw8bit.ts — bitsandbytes' kOptimizerStatic8bit2StateBlockwise
// (ADAM, blocks of 256): dequantize the two moments from their codes and block absmax, update as AdamW, requantize
// with the block's new absmax (quantize_2D, the first moment's sign kept). Every step in float64 from float32
// operands, rounded to float32 where the reference rounds it, so params, codes and absmax match it to the bit. A
// block is two passes over its elements (the new absmax first, then the update and codes: the moments are recomputed
// rather than kept); the threads split the blocks.
import { argF32, argI32, argPtr, at, shareStart } from './job-args';

const BLOCK: i32 = 256;

/** bitsandbytes' quantize_2D over the ascending 256-value map at `code` (see the reference's quantizeDynamic). */
function quantize(code: usize, x: f64, lowerStart: f64): i32 {
  let pivot: i32 = 127;
  let upperPivot: i32 = 255;
  let lowerPivot: i32 = 0;
  let lower = lowerStart;
  let upper: f64 = 1;
  let val = <f64>load<f32>(at(code, pivot));
  for (let i: i32 = 64; i > 0; i >>= 1) {
    if (x > val) {
      lowerPivot = pivot;
      lower = val;
      pivot += i;
    } else {
      upperPivot = pivot;
      upper = val;
      pivot -= i;
    }
    val = <f64>load<f32>(at(code, pivot));
  }
  if (x > val) return x > <f64>(<f32>((upper + val) * 0.5)) ? upperPivot : pivot;
  return x < <f64>(<f32>((lower + val) * 0.5)) ? lowerPivot : pivot;
}

/** Whether the float's sign bit is set (−0 included). */
function signbit(v: f64): bool {
  return <bool>(reinterpret<u64>(v) >> 63);
}

/**
 * Job EW_ADAMW8BIT, blocks of 256 split across threads. Args: param, grad, state1 (u8), state2 (u8), absmax1,
 * absmax2, qmap1, qmap2, n, then f32: factor (the clip factor, finite), beta1, beta2, 1 − beta1, 1 − beta2, stepSize
 * (−lr·c2/c1), eps·c2, decay (1 − lr·wd, or 1 for none).
 */
export function adamw8bitThread(job: usize, tid: i32, nthreads: i32): void {
  const param = argPtr(job, 0);
  const grad = argPtr(job, 1);
  const state1 = argPtr(job, 2);
  const state2 = argPtr(job, 3);
  const absmax1 = argPtr(job, 4);
  const absmax2 = argPtr(job, 5);
  const qmap1 = argPtr(job, 6);
  const qmap2 = argPtr(job, 7);
  const n = argI32(job, 8);
  const factor = <f64>argF32(job, 9);
  const beta1 = <f64>argF32(job, 10);
  const beta2 = <f64>argF32(job, 11);
  const rest1 = <f64>argF32(job, 12);
  const rest2 = <f64>argF32(job, 13);
  const stepSize = <f64>argF32(job, 14);
  const epsScaled = <f64>argF32(job, 15);
  const decay = <f64>argF32(job, 16);
  const blocks = (n + BLOCK - 1) / BLOCK;
  const bEnd = shareStart(blocks, tid + 1, nthreads);
  for (let b = shareStart(blocks, tid, nthreads); b < bEnd; b++) {
    const start = b * BLOCK;
    const end = min(n, start + BLOCK);
    const scale1 = <f64>load<f32>(at(absmax1, b));
    const scale2 = <f64>load<f32>(at(absmax2, b));
    let max1: f64 = 0;
    let max2: f64 = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let i = start; i < end; i++) {
        const raw = <f64>load<f32>(at(grad, i));
        const finite = raw - raw == 0;
        let s1: f64 = 0;
        let s2: f64 = 0;
        if (finite) {
          const g = factor == 1 ? raw : <f64>(<f32>(raw * factor));
          const m = <f64>(<f32>(<f64>load<f32>(at(qmap1, <i32>load<u8>(state1 + <usize>i))) * scale1));
          const v = <f64>(<f32>(<f64>load<f32>(at(qmap2, <i32>load<u8>(state2 + <usize>i))) * scale2));
          s2 = <f64>(<f32>(beta2 * v + rest2 * g * g));
          s1 = <f64>(<f32>(beta1 * m + rest1 * g));
        }
        if (pass == 0) {
          max1 = max(max1, abs(s1));
          max2 = max(max2, abs(s2));
          continue;
        }
        if (finite) {
          let p = <f64>(<f32>(<f64>load<f32>(at(param, i)) + stepSize * (s1 / (Math.sqrt(s2) + epsScaled))));
          if (decay != 1) p = <f64>(<f32>(p * decay));
          store<f32>(at(param, i), <f32>p);
        }
        const x1 = max1 == 0 ? 0 : <f64>(<f32>(s1 / max1));
        let c1 = quantize(qmap1, x1, -1);
        if (signbit(<f64>load<f32>(at(qmap1, c1))) != signbit(s1)) c1 += s1 > 0 ? 1 : -1;
        store<u8>(state1 + <usize>i, <u8>c1);
        store<u8>(state2 + <usize>i, <u8>quantize(qmap2, max2 == 0 ? 0 : <f64>(<f32>(s2 / max2)), 0));
      }
    }
    store<f32>(at(absmax1, b), <f32>max1);
    store<f32>(at(absmax2, b), <f32>max2);
  }
}
