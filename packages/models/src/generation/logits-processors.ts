// transformers generation/logits_process.py: RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper,
// TopKLogitsWarper, TopPLogitsWarper and MinPLogitsWarper on one row of logits (V). Each returns a new array;
// filtered tokens become −∞ (filter_value). Arguments are validated once, by generate(), not here.

const NEG_INF = Number.NEGATIVE_INFINITY;

/**
 * CTRL repetition penalty, at most once per token: a seen token's logit is divided by `penalty` when ≥ 0 and multiplied
 * by it when < 0 (transformers' `torch.where(score < 0, score * penalty, score / penalty)`).
 */
export function repetitionPenalty(
  logits: Float32Array,
  seen: Iterable<number>,
  penalty: number,
): Float32Array {
  const out = Float32Array.from(logits); // (V)
  for (const id of seen) {
    const v = logits[id]!;
    out[id] = v < 0 ? v * penalty : v / penalty;
  }
  return out;
}

/** logits / temperature (temperature > 0). */
export function temperatureScale(logits: Float32Array, temperature: number): Float32Array {
  return logits.map((v) => v / temperature);
}

/**
 * Keeps the tokens whose logit is ≥ the k-th largest (ties with it survive, as with `scores < topk(scores, k)[-1]`);
 * k is raised to `minTokensToKeep` and capped at V.
 */
export function topKFilter(logits: Float32Array, k: number, minTokensToKeep = 1): Float32Array {
  const kk = Math.min(Math.max(k, minTokensToKeep), logits.length);
  const sorted = Float32Array.from(logits).sort(); // ascending; −∞ first
  const threshold = sorted[logits.length - kk]!;
  return logits.map((v) => (v < threshold ? NEG_INF : v));
}

/** Softmax of `values` in float64, max-subtracted; −∞ entries get probability 0. */
export function softmax64(values: ArrayLike<number>): Float64Array {
  let max = NEG_INF;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  const p = new Float64Array(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const e = Math.exp(values[i]! - max);
    p[i] = e;
    sum += e;
  }
  for (let i = 0; i < p.length; i++) p[i]! /= sum;
  return p;
}

/**
 * Nucleus filter: sorts ascending (ties by index), accumulates the softmax and removes every token whose cumulative
 * probability is ≤ 1 − topP, always keeping the last `minTokensToKeep` (the most probable).
 */
export function topPFilter(logits: Float32Array, topP: number, minTokensToKeep = 1): Float32Array {
  const order: number[] = [];
  for (let i = 0; i < logits.length; i++) if (logits[i]! !== NEG_INF) order.push(i); // −∞ tokens stay removed
  order.sort((a, b) => logits[a]! - logits[b]! || a - b);
  const probs = softmax64(order.map((i) => logits[i]!));
  const out = Float32Array.from(logits);
  const keepFrom = order.length - minTokensToKeep;
  let cumulative = 0;
  for (let r = 0; r < order.length; r++) {
    cumulative += probs[r]!;
    if (cumulative <= 1 - topP && r < keepFrom) out[order[r]!] = NEG_INF;
  }
  return out;
}

/**
 * Min-p: removes tokens whose probability is below `minP` × the top token's probability, keeping at least the
 * `minTokensToKeep` most probable.
 */
export function minPFilter(logits: Float32Array, minP: number, minTokensToKeep = 1): Float32Array {
  const probs = softmax64(logits);
  let top = 0;
  for (const p of probs) if (p > top) top = p;
  const threshold = minP * top;
  const out = Float32Array.from(logits);
  const ranked =
    minTokensToKeep > 1 ? [...probs.keys()].sort((a, b) => probs[b]! - probs[a]! || a - b) : [argmax(logits)];
  const kept = new Set(ranked.slice(0, minTokensToKeep));
  for (let i = 0; i < out.length; i++) if (probs[i]! < threshold && !kept.has(i)) out[i] = NEG_INF;
  return out;
}

/** Index of the largest value; the first one on ties (torch.argmax). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** The sampling settings one row's logits go through, already resolved and validated. */
export interface LogitsSettings {
  doSample: boolean;
  temperature: number;
  /** 0 = off */
  topK: number;
  /** 1 = off */
  topP: number;
  /** undefined = off */
  minP?: number;
  /** 1 = off */
  repetitionPenalty: number;
}

/**
 * transformers' processor order for one row: repetition penalty (greedy too), then, when sampling, temperature,
 * top-k, top-p and min-p. Returns the scores the next token is drawn from (greedy: its argmax).
 */
export function processLogits(logits: Float32Array, seen: Iterable<number>, s: LogitsSettings): Float32Array {
  let x = s.repetitionPenalty !== 1 ? repetitionPenalty(logits, seen, s.repetitionPenalty) : logits;
  if (!s.doSample) return x;
  if (s.temperature !== 1) x = temperatureScale(x, s.temperature);
  if (s.topK > 0) x = topKFilter(x, s.topK);
  if (s.topP < 1) x = topPFilter(x, s.topP);
  if (s.minP !== undefined) x = minPFilter(x, s.minP);
  return x;
}
