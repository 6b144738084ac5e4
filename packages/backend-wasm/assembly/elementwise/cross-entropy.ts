// Reference: packages/core/src/kernels/reference/cross-entropy.ts — chunked cross-entropy with online
// log-sum-exp (Milakov & Gimelshein 2018; torch F.cross_entropy with ignore_index < 0), rows split across threads.
import { argI32, argPtr, at, shareStart } from './job-args';
import { sexp, vexp } from './math';
import { rowMax, sumExp } from './softmax';

/**
 * Job EW_CROSS_ENTROPY: fold one vocab chunk into each row's running max and Σ exp(logit − max) (float64
 * partials), and copy the target's logit when the target falls in this chunk. Rows with a negative target are
 * folded too, so lse is defined for every row.
 * Args: logits, rows, cols, vocabStart, targets (i32), runningMax, runningSum, targetLogit.
 */
export function crossEntropyThread(job: usize, tid: i32, nthreads: i32): void {
  const logits = argPtr(job, 0);
  const rows = argI32(job, 1);
  const cols = argI32(job, 2);
  const vocabStart = argI32(job, 3);
  const targets = argPtr(job, 4);
  const runningMax = argPtr(job, 5);
  const runningSum = argPtr(job, 6);
  const targetLogit = argPtr(job, 7);
  const r1 = shareStart(rows, tid + 1, nthreads);
  for (let r = shareStart(rows, tid, nthreads); r < r1; r++) {
    const row = at(logits, r * cols); // (cols)
    const prevMax = load<f32>(at(runningMax, r));
    const m = rowMax(row, cols, prevMax);
    if (m !== -Infinity) {
      // rescale the earlier chunks to the new max (exp(−Inf) = 0 on the first chunk)
      const sum =
        <f64>load<f32>(at(runningSum, r)) * Math.exp(<f64>prevMax - <f64>m) + sumExp(row, cols, m, 0);
      store<f32>(at(runningMax, r), m);
      store<f32>(at(runningSum, r), <f32>sum);
    }
    const target = load<i32>(at(targets, r));
    const local = target - vocabStart;
    if (target >= 0 && local >= 0 && local < cols) store<f32>(at(targetLogit, r), load<f32>(at(row, local)));
  }
}

/**
 * Job EW_CROSS_ENTROPY_BACKWARD: dlogits = (exp(logit − lse) − [column is the target]) · rowScale; rows with a
 * negative target get 0. Args: logits, rows, cols, vocabStart, targets (i32), lse, rowScale, dlogits.
 */
export function crossEntropyBackwardThread(job: usize, tid: i32, nthreads: i32): void {
  const logits = argPtr(job, 0);
  const rows = argI32(job, 1);
  const cols = argI32(job, 2);
  const vocabStart = argI32(job, 3);
  const targets = argPtr(job, 4);
  const lse = argPtr(job, 5);
  const rowScale = argPtr(job, 6);
  const dlogits = argPtr(job, 7);
  const vecEnd = cols & ~3;
  const r1 = shareStart(rows, tid + 1, nthreads);
  for (let r = shareStart(rows, tid, nthreads); r < r1; r++) {
    const row = at(logits, r * cols);
    const drow = at(dlogits, r * cols);
    const target = load<i32>(at(targets, r));
    if (target < 0) {
      memory.fill(drow, 0, (<usize>cols) << 2);
      continue;
    }
    const l = load<f32>(at(lse, r));
    const scale = load<f32>(at(rowScale, r));
    const l4 = f32x4.splat(l);
    const s4 = f32x4.splat(scale);
    const local = target - vocabStart;
    const hit = local >= 0 && local < cols;
    const targetLogit = hit ? load<f32>(at(row, local)) : 0; // read first: dlogits may alias logits
    for (let c = 0; c < vecEnd; c += 4) {
      v128.store(at(drow, c), f32x4.mul(vexp(f32x4.sub(v128.load(at(row, c)), l4)), s4)); // (T, cols)
    }
    for (let c = vecEnd; c < cols; c++) store<f32>(at(drow, c), sexp(load<f32>(at(row, c)) - l) * scale);
    if (hit) store<f32>(at(drow, local), (sexp(targetLogit - l) - 1) * scale);
  }
}
