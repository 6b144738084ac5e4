// A causal LM's forward passes without training: the (B, T, V) logits of every position, made in row chunks that
// fit the memory's largest array, and KV-cache decoding, the logits of each row's last new token. Both read the
// model's parts (model-parts.ts) and its decoding workspace; CausalLM.logits and forwardIncremental call them.
import { type DeviceMemory, type F32, type I32, kernel, toHost } from '@lora/core';
import type { IncrementalLayout } from './attention.js';
import { batchLayout, checkPositionIds, checkTokens, placeLayout } from './batch.js';
import type { ModelConfig } from './config.js';
import { type EmbedArgs, embedForward } from './embedding.js';
import { ModelInputError } from './errors.js';
import type { KvCache } from './kv-cache.js';
import { lmHeadLogits } from './lm-head.js';
import type { ModelParts } from './model-parts.js';
import { showBytes } from './row-blocks.js';
import type { Workspace } from './workspace.js';

/** What the forward passes read of a model: its config, parts, memory and decoding buffers. */
export interface InferenceModel {
  config: ModelConfig;
  parts: ModelParts;
  memory: DeviceMemory;
  /** decoding buffers, one scope per layer */
  decoding: Workspace;
}

/** (rows, V) logits soft-capped in place (Gemma 2's final_logit_softcapping), as every logits output is. */
function softcapped(m: InferenceModel, logits: F32, rows: number): F32 {
  const cap = m.parts.logitSoftcap;
  if (cap !== undefined) kernel('softcap')({ x: logits, out: logits, n: rows * m.config.vocabSize, cap });
  return logits;
}

/**
 * (N, C) the model's input embedding of `ids` (in `ws`'s scope "embedding"): Gemma's scale, GPT-2's learned
 * positions where the model has a positions table, and NEFTune's noise when given.
 */
export function embedTokens(
  parts: ModelParts,
  dim: number,
  ids: I32,
  tokens: number,
  positions: I32,
  ws: Workspace,
  neftune?: EmbedArgs['neftune'],
): F32 {
  const learned = parts.positions ? { positionTable: parts.positions.tables(), positions } : {};
  const args = {
    ids,
    table: parts.embed.tables(),
    tokens,
    dim,
    scale: parts.embedScale,
    ...learned,
    neftune,
  };
  return embedForward(args, ws.scope('embedding'));
}

/** Refuses a position past a learned positions table (GPT-2's n_positions); any position without one. */
export function checkPositions(m: Pick<InferenceModel, 'config' | 'parts'>, positions: Int32Array): void {
  if (!m.parts.positions) return;
  const max = positions.reduce((a, b) => Math.max(a, b), 0);
  if (max >= m.config.maxPositions) {
    throw new ModelInputError(
      `positions: expected fewer than n_positions = ${m.config.maxPositions} tokens per sequence, got position ${max}`,
    );
  }
}

/** See CausalLM.logits. */
export async function allPositionLogits(
  m: InferenceModel,
  inputIds: Int32Array,
  batch: number,
  seqLen: number,
  attentionMask?: Uint8Array,
  positionIds?: Int32Array,
): Promise<Float32Array> {
  const { vocabSize: V, hiddenSize: C } = m.config;
  const p = m.parts;
  checkTokens('logits', inputIds, batch, seqLen, V, attentionMask);
  if (positionIds !== undefined) checkPositionIds('logits', positionIds, batch, seqLen, attentionMask);
  const N = batch * seqLen;
  const limit = m.memory.maxArrayBytes;
  if (limit !== undefined && 4 * V > limit) {
    throw new ModelInputError(
      `logits: one row of ${V} f32 logits needs ${showBytes(4 * V)}, above the memory's largest array of ${showBytes(limit)}`,
    );
  }
  const chunk = limit === undefined ? N : Math.min(N, Math.floor(limit / (4 * V))); // rows of (chunk, V) at a time
  const ws = m.decoding.scope('logits');
  const layout = placeLayout(batchLayout(batch, seqLen, attentionMask, positionIds), (k, d) =>
    ws.upload(k, d),
  );
  checkPositions(m, layout.positions);
  let x = embedTokens(p, C, ws.upload('ids', inputIds), N, layout.device.positions, ws); // (N, C)
  // a layer reads only the output of the one before it: two alternating sets of buffers suffice
  p.blocks.forEach((block, i) => {
    x = block.forward(x, layout, { training: false }, ws.scope(`layers.${i % 2}`)).out;
  });
  const fin = p.finalNorm.forward(x, N, ws.scope('final-norm')).out;
  const buffer = ws.take('logits', fin, chunk * V);
  if (chunk === N) {
    const logits = lmHeadLogits(fin, N, p.lmHead.tables(), V, C, buffer, ws);
    return toHost(softcapped(m, logits, N)); // (N, V) at once: no second host copy
  }
  const out = new Float32Array(N * V); // (N, V)
  for (let r = 0; r < N; r += chunk) {
    const rows = Math.min(chunk, N - r);
    const hidden = fin.subarray(r * C, (r + rows) * C); // (rows, C)
    const logits = lmHeadLogits(hidden, rows, p.lmHead.tables(), V, C, buffer.subarray(0, rows * V), ws);
    out.set(await toHost(softcapped(m, logits, rows)), r * V);
  }
  return out;
}

/** See CausalLM.forwardIncremental. */
export async function incrementalLogits(
  m: InferenceModel,
  inputIds: Int32Array,
  batch: number,
  newTokens: number,
  cache: KvCache,
  attentionMask?: Uint8Array,
): Promise<Float32Array> {
  const { vocabSize: V, hiddenSize: C } = m.config;
  const p = m.parts;
  if (cache.memory !== m.memory)
    throw new ModelInputError(
      `forwardIncremental: expected a KV cache in the model's ${m.memory.name} memory, got one in ${cache.memory.name} memory (create it after useMemory)`,
    );
  const mask = cache.newTokenMask(batch, newTokens, attentionMask);
  checkTokens('forwardIncremental', inputIds, batch, newTokens, V, mask);
  const positions = cache.positionsOf(newTokens, mask); // (B·n)
  checkPositions(m, positions);
  const start = cache.length;
  cache.record(newTokens, mask);
  const ws = m.decoding;
  const devicePositions = ws.upload('positions', positions);
  const layout: IncrementalLayout = {
    batch,
    queries: newTokens,
    start,
    capacity: cache.capacity,
    positions,
    devicePositions,
    keyMask: cache.deviceMask(),
    maskOffsets: cache.maskOffsets,
  };
  const N = batch * newTokens;
  let x = embedTokens(p, C, ws.upload('ids', inputIds), N, devicePositions, ws); // (N, C)
  p.blocks.forEach((block, l) => {
    x = block.forwardIncremental(x, cache.layers[l]!, layout, { training: false }, ws.scope(`layers.${l}`));
  });
  cache.length = start + newTokens;
  const last = ws.take('last', x, batch * C); // (B, C) each row's last new token
  kernel('stridedCopy')({
    src: x.subarray((newTokens - 1) * C),
    dst: last,
    counts: [batch, 1, 1],
    inner: C,
    srcStrides: [newTokens * C, 0, 0],
    dstStrides: [C, 0, 0],
  });
  const fin = p.finalNorm.forward(last, batch, ws.scope('final-norm')).out;
  const logits = ws.take('logits', fin, batch * V); // (B, V)
  const out = lmHeadLogits(fin, batch, p.lmHead.tables(), V, C, logits, ws);
  return toHost(softcapped(m, out, batch));
}
