// Reference: packages/core/src/kernels/reference/embedding.ts — token embedding lookup and its scatter-add
// backward (torch.nn.functional.embedding); ids are checked in range on the TypeScript side. The table is rows
// [rowStart, rowStart + rowCount) of the vocabulary (a row block of a split table; 0 and V for a whole one): ids
// outside it are skipped, their out rows left as they are.
import { argI32, argPtr, at, quadShare, shareHi, shareLo, shareStart } from './job-args';

/**
 * Job EW_EMBEDDING, tokens split across threads: out[t] = table[ids[t] − rowStart] for the ids in the block.
 * Args: ids (i32), table, out, tokens, dim, rowStart, rowCount.
 */
export function embeddingThread(job: usize, tid: i32, nthreads: i32): void {
  const ids = argPtr(job, 0);
  const table = argPtr(job, 1);
  const out = argPtr(job, 2);
  const tokens = argI32(job, 3);
  const dim = argI32(job, 4);
  const rowStart = argI32(job, 5);
  const rowCount = argI32(job, 6);
  const bytes = (<usize>dim) << 2;
  const t1 = shareStart(tokens, tid + 1, nthreads);
  for (let t = shareStart(tokens, tid, nthreads); t < t1; t++) {
    const row = load<i32>(at(ids, t)) - rowStart;
    if (<u32>row >= <u32>rowCount) continue; // another block's row
    memory.copy(at(out, t * dim), at(table, row * dim), bytes); // (T, C)
  }
}

/**
 * Job EW_EMBEDDING_BACKWARD: dtable[ids[t]] += dout[t] in token order (repeated ids add up, each addition
 * rounded to float32 as the reference's are); columns split across threads in fours, so every element sees the
 * same additions in the same order whatever the thread count; ids outside [rowStart, rowStart + rowCount) are skipped.
 * Args: ids (i32), dout, dtable, tokens, dim, rowStart, rowCount.
 */
export function embeddingBackwardThread(job: usize, tid: i32, nthreads: i32): void {
  const ids = argPtr(job, 0);
  const dout = argPtr(job, 1);
  const dtable = argPtr(job, 2);
  const tokens = argI32(job, 3);
  const dim = argI32(job, 4);
  const rowStart = argI32(job, 5);
  const rowCount = argI32(job, 6);
  const share = quadShare(dim, tid, nthreads);
  const c0 = shareLo(share);
  const c1 = shareHi(share);
  const vecEnd = c0 + ((c1 - c0) & ~3);
  for (let t = 0; t < tokens; t++) {
    const row = load<i32>(at(ids, t)) - rowStart;
    if (<u32>row >= <u32>rowCount) continue; // another block's row
    const src = at(dout, t * dim);
    const dst = at(dtable, row * dim);
    for (let c = c0; c < vecEnd; c += 4)
      v128.store(at(dst, c), f32x4.add(v128.load(at(dst, c)), v128.load(at(src, c)))); // (V, C)
    for (let c = vecEnd; c < c1; c++) store<f32>(at(dst, c), load<f32>(at(dst, c)) + load<f32>(at(src, c)));
  }
}
