// Reference: packages/core/src/kernels/reference/loss-stats.ts — the running argmax over vocabulary chunks
// (torch.argmax's first maximum) and the cross-entropy totals (ForCausalLMLoss's sum of token losses, TRL's
// mean_token_accuracy counts). Both exact: the argmax copies values and indices; the totals follow the reference's
// float64 order.
import { argI32, argPtr, at, shareStart } from './job-args';

/**
 * Job EW_ARGMAX_CHUNK, rows split across threads: the first index of each row's largest logit (NaN never wins)
 * replaces bestIndex (as vocabStart + index) when that logit is above bestValue. Each lane keeps the first maximum
 * of its columns (strict >); of the lanes holding the largest value, the lowest index wins; the tail columns come
 * after every lane's. Args: logits, rows, cols, vocabStart, bestValue, bestIndex (i32).
 */
export function argmaxChunkThread(job: usize, tid: i32, nthreads: i32): void {
  const logits = argPtr(job, 0);
  const rows = argI32(job, 1);
  const cols = argI32(job, 2);
  const vocabStart = argI32(job, 3);
  const bestValue = argPtr(job, 4);
  const bestIndex = argPtr(job, 5);
  const vecEnd = cols & ~3;
  const r1 = shareStart(rows, tid + 1, nthreads);
  for (let r = shareStart(rows, tid, nthreads); r < r1; r++) {
    const row = at(logits, r * cols);
    let v4 = f32x4.splat(-Infinity);
    let i4 = i32x4.splat(-1);
    let c4 = i32x4(0, 1, 2, 3);
    for (let c = 0; c < vecEnd; c += 4) {
      const v = v128.load(at(row, c));
      const above = f32x4.gt(v, v4);
      v4 = v128.bitselect(v, v4, above);
      i4 = v128.bitselect(c4, i4, above);
      c4 = i32x4.add(c4, i32x4.splat(4));
    }
    // fold the lanes: (0, 1) against (2, 3), then 0 against 1
    let vs = f32x4.shuffle(v4, v4, 2, 3, 0, 1);
    let iw = i32x4.shuffle(i4, i4, 2, 3, 0, 1);
    let take = v128.or(f32x4.gt(vs, v4), v128.and(f32x4.eq(vs, v4), i32x4.lt_s(iw, i4)));
    v4 = v128.bitselect(vs, v4, take);
    i4 = v128.bitselect(iw, i4, take);
    vs = f32x4.shuffle(v4, v4, 1, 0, 3, 2);
    iw = i32x4.shuffle(i4, i4, 1, 0, 3, 2);
    take = v128.or(f32x4.gt(vs, v4), v128.and(f32x4.eq(vs, v4), i32x4.lt_s(iw, i4)));
    let best = f32x4.extract_lane(v128.bitselect(vs, v4, take), 0);
    let index = i32x4.extract_lane(v128.bitselect(iw, i4, take), 0);
    for (let c = vecEnd; c < cols; c++) {
      const v = load<f32>(at(row, c));
      if (v > best) {
        best = v;
        index = c;
      }
    }
    if (index >= 0 && best > load<f32>(at(bestValue, r))) {
      store<f32>(at(bestValue, r), best);
      store<i32>(at(bestIndex, r), vocabStart + index);
    }
  }
}

/**
 * Job EW_CROSS_ENTROPY_STATS, one thread (a few thousand rows at most): lse[r] = f32(runningMax + log(runningSum));
 * over the rows with a target ≥ 0, in row order and in float64: stats[0] += Σ (lse − targetLogit), stats[1] += their
 * count, stats[2] += how many have bestIndex == target. Args: rows, targets (i32), runningMax, runningSum,
 * targetLogit, bestIndex (i32), lse, stats.
 */
export function crossEntropyStatsThread(job: usize, tid: i32, _nthreads: i32): void {
  if (tid !== 0) return;
  const rows = argI32(job, 0);
  const targets = argPtr(job, 1);
  const runningMax = argPtr(job, 2);
  const runningSum = argPtr(job, 3);
  const targetLogit = argPtr(job, 4);
  const bestIndex = argPtr(job, 5);
  const lse = argPtr(job, 6);
  const stats = argPtr(job, 7);
  let loss: f64 = 0;
  let tokens = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const l = <f32>(<f64>load<f32>(at(runningMax, r)) + Math.log(<f64>load<f32>(at(runningSum, r))));
    store<f32>(at(lse, r), l);
    const target = load<i32>(at(targets, r));
    if (target < 0) continue;
    loss += <f64>l - <f64>load<f32>(at(targetLogit, r));
    tokens++;
    if (load<i32>(at(bestIndex, r)) === target) correct++;
  }
  store<f32>(at(stats, 0), <f32>(<f64>load<f32>(at(stats, 0)) + loss));
  store<f32>(at(stats, 1), <f32>(<f64>load<f32>(at(stats, 1)) + <f64>tokens));
  store<f32>(at(stats, 2), <f32>(<f64>load<f32>(at(stats, 2)) + <f64>correct));
}
