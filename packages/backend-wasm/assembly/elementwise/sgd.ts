// Reference: packages/core/src/kernels/reference/sgd.ts — torch.optim.SGD at momentum 0 (_single_tensor_sgd): weight
// decay added to the gradient, then p − lr·g. Each step in float64 from float32 operands and rounded to float32 where
// the reference rounds it, so results match it to the bit. Memory-bound and scalar; the threads split it.
import { argF64, argI32, argPtr, at, quadShare, shareHi, shareLo } from './job-args';

/**
 * Job EW_SGD, elements split across threads (multiples of 4): g = f32(grad·factor); g = f32(g + wd·p) when wd ≠ 0;
 * p = f32(p − lr·g). grad is only read. Args: param, grad, n, then f64 pairs: factor, lr, weightDecay (lr and wd
 * already rounded to float32, as torch's alpha is).
 */
export function sgdThread(job: usize, tid: i32, nthreads: i32): void {
  const param = argPtr(job, 0);
  const grad = argPtr(job, 1);
  const share = quadShare(argI32(job, 2), tid, nthreads);
  const factor = argF64(job, 3);
  const lr = argF64(job, 5);
  const wd = argF64(job, 7);
  const end = shareHi(share);
  for (let i = shareLo(share); i < end; i++) {
    let g = <f64>load<f32>(at(grad, i));
    if (factor != 1) g = <f64>(<f32>(g * factor));
    const p = <f64>load<f32>(at(param, i));
    if (wd != 0) g = <f64>(<f32>(g + wd * p));
    store<f32>(at(param, i), <f32>(p - lr * g));
  }
}
