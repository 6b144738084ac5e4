// Reference 8-bit AdamW step: bitsandbytes' kOptimizerStatic8bit2StateBlockwise (ADAM, blocks of 256) as AdamW8bit
// runs it, in its operation order, each stored value rounded to float32 once (csrc/kernels.cu: dequantize, update,
// block absmax, requantize with quantize_2D, the first moment's sign kept).
import { checkDims, checkFinite, checkLength, KernelArgumentError } from '../check.js';
import type { HostArgs } from '../../device/arrays.js';
import type { Adamw8bitArgs } from '../types.js';

/** Elements per block of 8-bit optimizer state: each block has one absmax per moment (bitsandbytes' 256). */
export const ADAMW8BIT_BLOCKSIZE = 256;

/** Dims, step, the hyperparameters and the lengths (the maps' order is not checked: O(1) per call). */
export function checkAdamw8bitArgs(args: Adamw8bitArgs): void {
  const { param, grad, state1, state2, absmax1, absmax2, qmap1, qmap2, step, lr, beta1, beta2, eps } = args;
  const { weightDecay, n, gradScale } = args;
  checkDims('adamw8bit', { n });
  if (!Number.isInteger(step) || step < 1) {
    throw new KernelArgumentError(
      `adamw8bit: step expected an integer >= 1 (1-based, after this update), got ${step}`,
    );
  }
  for (const [key, value] of Object.entries({ lr, eps, weightDecay })) checkFinite('adamw8bit', key, value);
  for (const [key, value] of Object.entries({ beta1, beta2 })) {
    if (!(value >= 0 && value < 1))
      throw new KernelArgumentError(`adamw8bit: ${key} expected in [0, 1), got ${value}`);
  }
  const blocks = Math.ceil(n / ADAMW8BIT_BLOCKSIZE);
  for (const [label, arr] of Object.entries({ param, grad, state1, state2 }))
    checkLength('adamw8bit', `${label} (n)`, arr, n);
  for (const [label, arr] of Object.entries({ absmax1, absmax2 }))
    checkLength('adamw8bit', `${label} (⌈n / 256⌉)`, arr, blocks);
  for (const [label, arr] of Object.entries({ qmap1, qmap2 }))
    checkLength('adamw8bit', `${label} (256)`, arr, 256);
  if (gradScale !== undefined) checkLength('adamw8bit', 'gradScale (1)', gradScale, 1);
}

/**
 * bitsandbytes' quantize_2D: a binary search of the ascending `code` for x (7 halvings from 127), then the nearer of
 * the last value and its bracketing neighbour by their float32 midpoint. `lower` starts at −1 for the signed map and
 * 0 for the unsigned one; a tie stays at the searched index.
 */
export function quantizeDynamic(code: ArrayLike<number>, x: number, signed: boolean): number {
  let [pivot, upperPivot, lowerPivot] = [127, 255, 0];
  let [lower, upper] = [signed ? -1 : 0, 1];
  let val = code[pivot]!;
  for (let i = 64; i > 0; i >>= 1) {
    if (x > val) {
      [lowerPivot, lower] = [pivot, val];
      pivot += i;
    } else {
      [upperPivot, upper] = [pivot, val];
      pivot -= i;
    }
    val = code[pivot]!;
  }
  if (x > val) return x > Math.fround((upper + val) * 0.5) ? upperPivot : pivot;
  return x < Math.fround((lower + val) * 0.5) ? lowerPivot : pivot;
}

/** The sign bit of a float (−0 has it). */
const signbit = (v: number): boolean => v < 0 || Object.is(v, -0);

/**
 * Each element: m = f32(qmap1[c1]·absmax1), v likewise; g = f32(grad·scale); v = f32(β2·v + (1 − β2)·g²);
 * m = f32(β1·m + (1 − β1)·g) (β and 1 − β as float32, as the kernel's float arguments); a non-finite grad gives
 * m = v = 0 and leaves p. The block's new absmax is max |m| (max v); p = f32(p + stepSize·m / (√v + eps·c2)) with
 * stepSize = −lr·c2 / c1, c1 = 1 − β1^t, c2 = √(1 − β2^t) (float32 scalars), then p = f32(p·f32(1 − lr·wd)) when
 * wd > 0. Codes: quantizeDynamic(f32(m / absmax)), moved one step towards m's sign when the code's sign differs;
 * 0 / 0 is taken as 0 (bitsandbytes' all-zero block dequantizes to 0 whatever code it stores).
 */
export function adamw8bit(args: HostArgs<Adamw8bitArgs>): void {
  checkAdamw8bitArgs(args);
  const { param, grad, state1, state2, absmax1, absmax2, qmap1, qmap2, step, n, gradScale } = args;
  const factor = gradScale?.[0] ?? 1;
  if (!Number.isFinite(factor)) return;
  const f = Math.fround;
  const [beta1, beta2] = [f(args.beta1), f(args.beta2)];
  const [rest1, rest2] = [f(1 - beta1), f(1 - beta2)];
  const c1 = 1 - args.beta1 ** step;
  const c2 = Math.sqrt(1 - args.beta2 ** step);
  const stepSize = f((-args.lr * c2) / c1);
  const epsScaled = f(args.eps * c2);
  const decay = args.weightDecay > 0 ? f(1 - args.lr * args.weightDecay) : 1;
  const s1 = new Float64Array(ADAMW8BIT_BLOCKSIZE);
  const s2 = new Float64Array(ADAMW8BIT_BLOCKSIZE);
  for (let start = 0, b = 0; start < n; start += ADAMW8BIT_BLOCKSIZE, b++) {
    const count = Math.min(ADAMW8BIT_BLOCKSIZE, n - start);
    const [scale1, scale2] = [absmax1[b]!, absmax2[b]!];
    let [max1, max2] = [0, 0];
    for (let j = 0; j < count; j++) {
      const i = start + j;
      const raw = grad[i]!;
      if (!Number.isFinite(raw)) {
        [s1[j], s2[j]] = [0, 0];
        continue;
      }
      const g = factor === 1 ? raw : f(raw * factor);
      s2[j] = f(beta2 * f(qmap2[state2[i]!]! * scale2) + rest2 * g * g);
      s1[j] = f(beta1 * f(qmap1[state1[i]!]! * scale1) + rest1 * g);
      max1 = Math.max(max1, Math.abs(s1[j]!));
      max2 = Math.max(max2, Math.abs(s2[j]!));
    }
    for (let j = 0; j < count; j++) {
      const i = start + j;
      if (Number.isFinite(grad[i]!)) {
        let p = f(param[i]! + stepSize * (s1[j]! / (Math.sqrt(s2[j]!) + epsScaled)));
        if (decay !== 1) p = f(p * decay);
        param[i] = p;
      }
      const x1 = max1 === 0 ? 0 : f(s1[j]! / max1);
      let c = quantizeDynamic(qmap1, x1, true);
      if (signbit(qmap1[c]!) !== signbit(s1[j]!)) c += s1[j]! > 0 ? 1 : -1;
      state1[i] = c;
      state2[i] = quantizeDynamic(qmap2, max2 === 0 ? 0 : f(s2[j]! / max2), false);
    }
    absmax1[b] = max1;
    absmax2[b] = max2;
  }
}
