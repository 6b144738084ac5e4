// transformers GenerationMixin.generate (greedy search and _sample) for decoder-only models with a KV cache: the
// prompts are left-padded into one batch and prefilled once, then each step feeds one token per row.

import { uniformStream } from '@lora/core';
import { architectureSpec } from '../architectures/index.js';
import type { ModelConfig } from '../config.js';
import { GenerationError } from './errors.js';
import { type GenerateOptions, resolveGenerateOptions } from './generate-options.js';
import { argmax, processLogits } from './logits-processors.js';
import { sampleIndex } from './sampling.js';
import { StopStringMatcher } from './stop-strings.js';

/** What generate() needs of a model: CausalLM fits, and so does any model with the same incremental forward. */
export interface GenerationModel<Cache> {
  readonly config: Pick<
    ModelConfig,
    'vocabSize' | 'eosTokenIds' | 'padTokenId' | 'maxPositions' | 'architecture'
  >;
  createKvCache(batch: number, maxTokens: number): Cache;
  /** logits (B, V) of each row's last new token, on the host; attentionMask (B, newTokens) 1 = real token */
  forwardIncremental(
    inputIds: Int32Array,
    batch: number,
    newTokens: number,
    cache: Cache,
    attentionMask?: Uint8Array,
  ): Promise<Float32Array>;
}

/** Why a row stopped: an EOS token or stop string (`stop`), or the length limit (`length`). */
export type FinishReason = 'stop' | 'length';

/** What `generate` returns: the new tokens of each prompt and why each row stopped. */
export interface GenerateResult {
  /** the new tokens of each prompt, the eos token that ended a row included (as transformers' sequences) */
  tokens: number[][];
  /** 'stop': an eos token or a stop string ended the row; 'length': it reached maxNewTokens */
  finishReasons: FinishReason[];
}

/** Called for every token as it is appended, rows in order within a step. */
export type OnToken = (batchIndex: number, tokenId: number) => void;

function checkPrompts(prompts: readonly (readonly number[])[], vocabSize: number): void {
  if (!Array.isArray(prompts) || prompts.length === 0) {
    throw new GenerationError(
      `generate: prompts expected a non-empty array of token id arrays, got ${prompts?.length ?? prompts}`,
    );
  }
  prompts.forEach((p, b) => {
    if (!Array.isArray(p) || p.length === 0)
      throw new GenerationError(
        `generate: prompts[${b}] expected at least one token id, got ${JSON.stringify(p)}`,
      );
    p.forEach((id, t) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new GenerationError(
          `generate: prompts[${b}][${t}] expected a token id in [0, ${vocabSize}), got ${id}`,
        );
      }
    });
  });
}

/**
 * Generates up to `maxNewTokens` tokens after each prompt. Rows stop on an eos token or a stop string and then stop
 * growing; the rest carry on. Greedy unless sampling is asked for; a sampled row depends only on the seed and its index.
 * Each new token reads one (B, V) row of logits back from the model's memory.
 * Throws GenerationError for bad prompts or options, and when the model returns non-finite logits.
 */
export async function generate<Cache>(
  model: GenerationModel<Cache>,
  prompts: readonly (readonly number[])[],
  options: GenerateOptions = {},
  onToken?: OnToken,
): Promise<GenerateResult> {
  const { vocabSize: V, maxPositions } = model.config;
  checkPrompts(prompts, V);
  const B = prompts.length;
  const T = Math.max(...prompts.map((p) => p.length));
  const s = resolveGenerateOptions(options, model.config, T);
  // a learned position table (GPT-2's) ends at n_positions; rotary positions have no such bound
  if (architectureSpec(model.config).positions === 'learned' && T + s.maxNewTokens - 1 > maxPositions) {
    throw new GenerationError(
      `generate: longest prompt (${T}) + maxNewTokens (${s.maxNewTokens}) − 1 expected at most n_positions = ${maxPositions}, got ${T + s.maxNewTokens - 1}`,
    );
  }
  const stops = new StopStringMatcher(options.stopStrings ?? [], options.decode);
  const rngs = prompts.map((_, b) => uniformStream(s.seed, b));
  const seen = prompts.map((p) => new Set(p)); // repetition-penalty context: the prompt (no padding) and new tokens
  const tokens: number[][] = prompts.map(() => []);
  const finishReasons: (FinishReason | undefined)[] = prompts.map(() => undefined);

  // Prefill: (B, T) left-padded prompts with their mask.
  const cache = model.createKvCache(B, T + s.maxNewTokens - 1);
  const ids = new Int32Array(B * T).fill(s.padTokenId); // (B, T)
  const mask = new Uint8Array(B * T); // (B, T)
  prompts.forEach((p, b) => {
    const offset = b * T + (T - p.length);
    ids.set(p, offset);
    mask.fill(1, offset, (b + 1) * T);
  });
  let logits = await model.forwardIncremental(ids, B, T, cache, mask); // (B, V)

  const step = new Int32Array(B); // (B, 1)
  const stepMask = new Uint8Array(B); // (B, 1) finished rows feed padding
  for (let n = 0; n < s.maxNewTokens; n++) {
    for (let b = 0; b < B; b++) {
      if (finishReasons[b]) continue;
      const row = logits.subarray(b * V, (b + 1) * V); // (V)
      const scores = processLogits(row, seen[b]!, s);
      const best = argmax(scores);
      if (!Number.isFinite(scores[best]!)) {
        throw new GenerationError(
          `generate: logits of row ${b} at new token ${n} expected finite values, got ${scores[best]}`,
        );
      }
      const token = s.doSample ? sampleIndex(scores, rngs[b]!()) : best;
      tokens[b]!.push(token);
      seen[b]!.add(token);
      onToken?.(b, token);
      if (s.eosTokenIds.has(token) || stops.matches(tokens[b]!)) finishReasons[b] = 'stop';
      else if (tokens[b]!.length === s.maxNewTokens) finishReasons[b] = 'length';
    }
    if (finishReasons.every((r) => r !== undefined)) break;
    for (let b = 0; b < B; b++) {
      const done = finishReasons[b] !== undefined;
      step[b] = done ? s.padTokenId : tokens[b]!.at(-1)!;
      stepMask[b] = done ? 0 : 1;
    }
    logits = await model.forwardIncremental(step, B, 1, cache, stepMask);
  }
  return { tokens, finishReasons: finishReasons as FinishReason[] };
}
