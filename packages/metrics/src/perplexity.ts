// Streaming perplexity: summed token negative log-likelihood over batches, ppl = exp(total NLL / total tokens).
import { MetricsError, show } from './errors.js';

/**
 * Accumulates per-batch summed NLL (nats) and token counts; `meanLoss` is the token-weighted mean NLL and
 * `perplexity` is `exp(meanLoss)`, the same as Hugging Face's `exp(eval_loss)` when every batch adds its sum.
 *
 * Zero-token rule: a mean over zero tokens is undefined, so `meanLoss` and `perplexity` throw `MetricsError` while
 * `tokenCount` is 0 (an empty or fully masked eval set fails loudly instead of logging NaN). `add(0, 0)` for a fully
 * masked batch is allowed and changes nothing.
 */
export class PerplexityMeter {
  #nll = 0;
  #compensation = 0; // Neumaier summation: many small batch sums stay exact to ~1 ulp
  #tokens = 0;
  #batches = 0;

  /** Add one batch: `nllSum` = sum of -log p(token) in nats over its `tokenCount` counted (non-ignored) tokens. */
  add(nllSum: number, tokenCount: number): this {
    if (!Number.isSafeInteger(tokenCount) || tokenCount < 0) {
      throw new MetricsError(
        `PerplexityMeter.add tokenCount: expected a non-negative integer, got ${show(tokenCount)}`,
      );
    }
    if (typeof nllSum !== 'number' || !Number.isFinite(nllSum) || nllSum < 0) {
      throw new MetricsError(
        `PerplexityMeter.add nllSum: expected a finite NLL sum >= 0 (nats), got ${show(nllSum)} for ${tokenCount} tokens`,
      );
    }
    if (tokenCount === 0 && nllSum !== 0) {
      throw new MetricsError(`PerplexityMeter.add: expected nllSum 0 for a batch of 0 tokens, got ${nllSum}`);
    }
    const t = this.#nll + nllSum;
    this.#compensation +=
      Math.abs(this.#nll) >= Math.abs(nllSum) ? this.#nll - t + nllSum : nllSum - t + this.#nll;
    this.#nll = t;
    this.#tokens += tokenCount;
    this.#batches += 1;
    return this;
  }

  /** Add one batch given its mean NLL per token (e.g. a model's `loss`) and its token count. */
  addMean(meanNll: number, tokenCount: number): this {
    if (typeof meanNll !== 'number' || !Number.isFinite(meanNll) || meanNll < 0) {
      throw new MetricsError(
        `PerplexityMeter.addMean meanNll: expected a finite mean NLL >= 0, got ${show(meanNll)}`,
      );
    }
    return this.add(tokenCount === 0 ? 0 : meanNll * tokenCount, tokenCount);
  }

  /** Counted tokens so far. */
  get tokenCount(): number {
    return this.#tokens;
  }

  /** Batches added so far (including zero-token ones). */
  get batchCount(): number {
    return this.#batches;
  }

  /** Total NLL (nats) so far. */
  get nllSum(): number {
    return this.#nll + this.#compensation;
  }

  /** Token-weighted mean NLL in nats. Throws `MetricsError` when no tokens were counted. */
  get meanLoss(): number {
    if (this.#tokens === 0) {
      throw new MetricsError(
        `PerplexityMeter.meanLoss: expected at least one counted token, got 0 tokens in ${this.#batches} batches`,
      );
    }
    return this.nllSum / this.#tokens;
  }

  /** exp(meanLoss); Infinity once meanLoss exceeds ~709.78. Throws `MetricsError` when no tokens were counted. */
  get perplexity(): number {
    return Math.exp(this.meanLoss);
  }

  /** Forget everything added. */
  reset(): this {
    this.#nll = 0;
    this.#compensation = 0;
    this.#tokens = 0;
    this.#batches = 0;
    return this;
  }
}
