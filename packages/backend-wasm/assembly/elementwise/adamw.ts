// Reference: packages/core/src/kernels/reference/adamw.ts — torch.optim.AdamW (_single_tensor_adamw, amsgrad off)
// in torch's operation order: scalar float64 with every stored value rounded to float32 and read back, as the
// reference does, so results match it to the bit. Not vectorised: the step touches each of n values once and
// is memory-bound; the threads split it.
import { argF64, argI32, argPtr, at, quadShare, shareHi, shareLo } from './job-args';

/**
 * Job EW_ADAMW, elements split across threads (multiples of 4): p ← p·decay; m ← β1·m + (1 − β1)·g;
 * v ← β2·v + (1 − β2)·g²; p ← p − stepSize · m / (√v / bias2Sqrt + eps).
 * Args: param, grad, m, v, n, then f64 pairs: decay, beta1, oneMinusBeta1, beta2, oneMinusBeta2, stepSize,
 * bias2Sqrt, eps.
 */
export function adamwThread(job: usize, tid: i32, nthreads: i32): void {
  const param = argPtr(job, 0);
  const grad = argPtr(job, 1);
  const m = argPtr(job, 2);
  const v = argPtr(job, 3);
  const share = quadShare(argI32(job, 4), tid, nthreads);
  const decay = argF64(job, 5);
  const beta1 = argF64(job, 7);
  const oneMinusBeta1 = argF64(job, 9);
  const beta2 = argF64(job, 11);
  const oneMinusBeta2 = argF64(job, 13);
  const stepSize = argF64(job, 15);
  const bias2Sqrt = argF64(job, 17);
  const eps = argF64(job, 19);
  const end = shareHi(share);
  for (let i = shareLo(share); i < end; i++) {
    const g = <f64>load<f32>(at(grad, i));
    const p = <f64>(<f32>(<f64>load<f32>(at(param, i)) * decay));
    const mi = <f64>(<f32>(beta1 * <f64>load<f32>(at(m, i)) + oneMinusBeta1 * g));
    const vi = <f64>(<f32>(beta2 * <f64>load<f32>(at(v, i)) + oneMinusBeta2 * g * g));
    store<f32>(at(m, i), <f32>mi);
    store<f32>(at(v, i), <f32>vi);
    const denom = Math.sqrt(vi) / bias2Sqrt + eps;
    store<f32>(at(param, i), <f32>(p - stepSize * (mi / denom)));
  }
}
