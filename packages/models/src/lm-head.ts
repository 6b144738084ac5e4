// Output layer and loss (LlamaForCausalLM.lm_head + ForCausalLMLoss) without (M, V) logits at once: forward alone in
// vocabulary chunks with online log-sum-exp (Milakov & Gimelshein); with backward fused over tiles of rows (Liger's
// fused linear cross-entropy), each tile's loss and gradient done before the next, so nothing is recomputed. The
// loss, token and hit totals are reduced on the device into a stats array; nothing is read back here. A weight
// split into row blocks (row-blocks.ts) is multiplied block by block: vocabulary chunks restart at each block, and
// the fused path assembles each tile's (rows, V) logits from the blocks' columns, so the loss is that of one array.
import { allocLike, type F32, type I32, kernel, memoryOf, type Parameter } from '@lora/core';
import { gradOf } from './parameter.js';
import { rowsOf, type TableBlock } from './row-blocks.js';
import { buffer, type Workspace } from './workspace.js';

export interface LmHeadArgs {
  /** (M, C) final hidden states of the rows that have a target */
  hidden: F32;
  rows: number;
  /** (V, C) the output embedding (tied: the input embedding) as its row blocks in order (one unless split) */
  weight: readonly Parameter[];
  vocab: number;
  dim: number;
  /** (M) target ids; negative = ignored */
  targets: I32;
  /**
   * logits held at once: rows × chunk; with backward, logits and their gradient: 2 · rows · chunk, in whole
   * vocabulary rows (at least one)
   */
  chunk: number;
  /** also return dhidden and accumulate the weight gradient (when trainable), for d(lossScale · Σ nll) */
  backward: boolean;
  lossScale: number;
  /**
   * (3) accumulated into: [Σ −log softmax(logits)[target] over counted rows, counted rows, rows whose argmax (the
   * first maximum, as torch.argmax) is the target]
   */
  stats: F32;
  /** Gemma 2's final_logit_softcapping: the loss is that of cap · tanh(logits / cap); undefined = none */
  softcap?: number;
}

/** Rows per tile: as many whole vocabulary rows as `rows × chunk` logits hold, 1 … rows. */
export function lmHeadTileRows(rows: number, vocab: number, chunk: number): number {
  const cols = Math.max(1, Math.min(chunk, vocab));
  return Math.max(1, Math.min(rows, Math.floor((rows * cols) / vocab)));
}

/**
 * Adds the loss totals into args.stats and, with `backward`, returns dhidden (in the workspace's buffer "dhidden"
 * when given) and accumulates the weight gradient. Without backward the logits are computed in vocabulary chunks of
 * every row (one pass over the weight); with it, in tiles of whole rows, each tile's loss and gradient before the next.
 */
export function lmHeadLoss(args: LmHeadArgs, ws?: Workspace): { dhidden?: F32 } {
  return args.backward ? fusedLoss(args, ws) : chunkedLoss(args, ws);
}

/** Running per-row state of the online log-sum-exp and argmax (a tile's rows, or every row), reset. */
function rowState(temp: Workspace | undefined, like: F32, rows: number) {
  const state = {
    runningMax: buffer(temp, 'max', like, rows), // (rows)
    runningSum: buffer(temp, 'sum', like, rows), // (rows)
    targetLogit: buffer(temp, 'target', like, rows), // (rows)
    lse: buffer(temp, 'lse', like, rows), // (rows)
    bestValue: buffer(temp, 'best-value', like, rows), // (rows)
    bestIndex: temp ? temp.takeI32('best-index', rows) : memoryOf(like).i32(rows), // (rows)
  };
  kernel('fill')({ x: state.bestIndex, n: rows, value: -1 });
  kernel('fill')({ x: state.runningMax, n: rows, value: Number.NEGATIVE_INFINITY });
  kernel('fill')({ x: state.runningSum, n: rows, value: 0 });
  kernel('fill')({ x: state.targetLogit, n: rows, value: 0 });
  kernel('fill')({ x: state.bestValue, n: rows, value: Number.NEGATIVE_INFINITY });
  return state;
}

/** Forward only: vocabulary chunks of every row, online log-sum-exp, the first maximum tracked across chunks. */
function chunkedLoss(args: LmHeadArgs, ws?: Workspace): { dhidden?: F32 } {
  const { hidden, rows: M, weight, vocab: V, dim: C, targets, stats } = args;
  const chunk = Math.max(1, Math.min(args.chunk, V));
  const temp = ws?.temp.scope('lm-head');
  const logits = buffer(temp, 'logits', hidden, M * chunk); // (M, chunk)
  const state = rowState(temp, hidden, M);
  for (const block of weight) {
    const { rowStart, rowCount } = rowsOf(block); // a chunk never straddles two blocks
    for (let b0 = 0; b0 < rowCount; b0 += chunk) {
      const cols = Math.min(chunk, rowCount - b0);
      const v0 = rowStart + b0;
      const w = block.data.subarray(b0 * C, (b0 + cols) * C); // (cols, C)
      kernel('matmul')({ a: hidden, b: w, out: logits, m: M, n: cols, k: C, transB: true }); // (M, cols)
      if (args.softcap !== undefined)
        kernel('softcap')({ x: logits, out: logits, n: M * cols, cap: args.softcap });
      kernel('crossEntropyChunk')({ logits, rows: M, cols, vocabStart: v0, targets, ...state });
      kernel('argmaxChunk')({ logits, rows: M, cols, vocabStart: v0, ...state });
    }
  }
  kernel('crossEntropyStats')({ rows: M, targets, ...state, stats });
  return {};
}

/**
 * Forward and backward: tiles of whole rows (Liger's fused linear cross-entropy), nothing recomputed. The gradient
 * overwrites the logits, so a tile of 2 · rows · chunk logits fits the memory of the logits and their gradient; with
 * a softcap, whose backward reads the capped logits after the gradient is written, they are two buffers of half that.
 */
function fusedLoss(args: LmHeadArgs, ws?: Workspace): { dhidden: F32 } {
  const { hidden, rows: M, weight, vocab: V, dim: C, targets, lossScale, stats } = args;
  const inPlace = args.softcap === undefined;
  const held = inPlace ? 2 * args.chunk : args.chunk; // per row of the tile, in each buffer
  const tile = Math.min(lmHeadTileRows(M, V, held), tileCap(hidden, V));
  const temp = ws?.temp.scope('lm-head');
  const matmul = kernel('matmul');
  const logits = buffer(temp, 'logits', hidden, tile * V); // (tile, V)
  const dlogits = inPlace ? logits : buffer(temp, 'dlogits', hidden, tile * V); // (tile, V)
  const rowScale = buffer(temp, 'scale', hidden, tile); // (tile)
  kernel('fill')({ x: rowScale, n: tile, value: lossScale });
  const dhidden = ws ? ws.take('dhidden', hidden, M * C) : allocLike(hidden, M * C); // (M, C)
  const split = weight.length > 1;
  const widest = Math.max(...weight.map((b) => rowsOf(b).rowCount));
  const part = split ? buffer(temp, 'block', hidden, tile * widest) : undefined; // (tile, rows of a block)
  for (let r0 = 0; r0 < M; r0 += tile) {
    const n = Math.min(tile, M - r0);
    const h = hidden.subarray(r0 * C, (r0 + n) * C); // (n, C)
    const t = targets.subarray(r0, r0 + n); // (n)
    blockLogits(h, n, tableBlocks(weight), V, C, logits, part); // (n, V)
    const state = rowState(temp, hidden, n);
    if (args.softcap !== undefined)
      kernel('softcap')({ x: logits, out: logits, n: n * V, cap: args.softcap });
    kernel('crossEntropyChunk')({ logits, rows: n, cols: V, vocabStart: 0, targets: t, ...state });
    kernel('argmaxChunk')({ logits, rows: n, cols: V, vocabStart: 0, ...state });
    kernel('crossEntropyStats')({ rows: n, targets: t, ...state, stats });
    kernel('crossEntropyChunkBackward')({
      logits,
      rows: n,
      cols: V,
      vocabStart: 0,
      targets: t,
      lse: state.lse,
      rowScale,
      dlogits,
    });
    if (args.softcap !== undefined)
      kernel('softcapBackward')({ y: logits, dy: dlogits, dx: dlogits, n: n * V, cap: args.softcap });
    const dh = dhidden.subarray(r0 * C, (r0 + n) * C); // (n, C)
    weight.forEach((block, i) => {
      const { rowStart, rowCount } = rowsOf(block);
      // the block's columns of dlogits (n, rows), contiguous: a copy when the weight is split
      const d = part ? columns(dlogits, n, V, rowStart, rowCount, part) : dlogits;
      // (n, C) (+)= (n, rows) · (rows, C): a split weight sums its blocks' products
      matmul({ a: d, b: block.data, out: dh, m: n, n: C, k: rowCount, accumulate: i > 0 });
      // (rows, C) += (n, rows)ᵀ · (n, C)
      if (block.trainable)
        matmul({ a: d, b: h, out: gradOf(block), m: rowCount, n: C, k: n, transA: true, accumulate: true });
    });
  }
  return { dhidden };
}

/** Rows of (rows, V) logits an array of `like`'s memory holds (its largest array), at least one. */
function tileCap(like: F32, vocab: number): number {
  const limit = like instanceof Float64Array ? undefined : memoryOf(like).maxArrayBytes;
  return limit === undefined ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(limit / (4 * vocab)));
}

function tableBlocks(weight: readonly Parameter[]): TableBlock[] {
  return weight.map((p) => ({ data: p.data, ...rowsOf(p) }));
}

/** src's columns [start, start + count) of its (rows, cols) into dst (rows, count). */
function columns(src: F32, rows: number, cols: number, start: number, count: number, dst: F32): F32 {
  kernel('stridedCopy')({
    src: src.subarray(start),
    dst,
    counts: [rows, 1, 1],
    inner: count,
    srcStrides: [cols, 0, 0],
    dstStrides: [count, 0, 0],
  });
  return dst;
}

/** out (rows, V) = hidden (rows, C) · Wᵀ; a split W one block at a time through `part`, copied to its columns. */
function blockLogits(
  hidden: F32,
  rows: number,
  weight: readonly TableBlock[],
  vocab: number,
  dim: number,
  out: F32,
  part: F32 | undefined,
): void {
  const matmul = kernel('matmul');
  if (weight.length === 1 || !part) {
    matmul({ a: hidden, b: weight[0]!.data, out, m: rows, n: vocab, k: dim, transB: true });
    return;
  }
  for (const { data, rowStart, rowCount } of weight) {
    matmul({ a: hidden, b: data, out: part, m: rows, n: rowCount, k: dim, transB: true }); // (rows, count)
    kernel('stridedCopy')({
      src: part,
      dst: out.subarray(rowStart),
      counts: [rows, 1, 1],
      inner: rowCount,
      srcStrides: [rowCount, 0, 0],
      dstStrides: [vocab, 0, 0],
    });
  }
}

/**
 * Full logits (N, V) = hidden (N, C) · Wᵀ, for evaluation and generation; in `out` when given. A weight split into
 * row blocks goes one block at a time through a (N, rows of a block) buffer (in `ws` when given).
 */
export function lmHeadLogits(
  hidden: F32,
  rows: number,
  weight: readonly TableBlock[],
  vocab: number,
  dim: number,
  out?: F32,
  ws?: Workspace,
): F32 {
  const logits = out ?? allocLike(hidden, rows * vocab); // (N, V)
  const widest = Math.max(...weight.map((b) => b.rowCount));
  const part =
    weight.length > 1 ? buffer(ws?.temp.scope('lm-head'), 'block', hidden, rows * widest) : undefined;
  blockLogits(hidden, rows, weight, vocab, dim, logits, part);
  return logits;
}
