// Evaluation over a held-out set: token-weighted mean loss, perplexity and token accuracy, with no dropout. Every
// batch adds its totals into its own slot on the device; the set is read back once.
import { allocLike, memoryOf, toHost } from '@lora/core';
import { PerplexityMeter } from '@lora/metrics';
import { type CollateSettings, epochOrder, microBatch } from './batches.js';
import { TrainingError } from './errors.js';
import type { TrainableModel, TrainExample } from './model.js';

/** Evaluation results, named as transformers / TRL log them. */
export interface EvalMetrics {
  /** Σ token loss / Σ tokens over the whole set (nats) */
  eval_loss: number;
  /** exp(eval_loss) */
  eval_perplexity: number;
  /** argmax == label over the predicted tokens (TRL's mean_token_accuracy, token-weighted) */
  eval_mean_token_accuracy: number;
  /** predicted tokens counted */
  eval_num_tokens: number;
  /** seconds (wall clock) */
  eval_runtime: number;
}

/** [loss sum, tokens, hits] per batch, as CausalLM.stepInto adds them. */
const PER_BATCH = 3;

/**
 * Run the model over `examples` in order, `batchSize` at a time, without dropout or backward.
 * `step` only labels errors. Throws TrainingError when the loss is not finite or the model counts no tokens.
 */
export async function evaluateModel(
  model: TrainableModel,
  examples: readonly TrainExample[],
  batchSize: number,
  settings: CollateSettings,
  step = 0,
): Promise<EvalMetrics> {
  const start = performance.now();
  const order = epochOrder(examples.length, 0, 0, false);
  const meter = new PerplexityMeter();
  let correct = 0;
  const batches = Math.ceil(examples.length / batchSize);
  const like = model.parameters()[0]?.data ?? new Float32Array(0);
  const stats = allocLike(like, PER_BATCH * batches); // zeroed
  for (let b = 0; b < batches; b++) {
    const batch = microBatch(examples, order, b, batchSize, settings);
    model.stepInto(batch, { training: false, backward: false }, stats.subarray(PER_BATCH * b, PER_BATCH * (b + 1)));
  }
  const read = await toHost(stats);
  memoryOf(stats).free(stats);
  for (let b = 0; b < batches; b++) {
    const [lossSum, tokens, hits] = read.subarray(PER_BATCH * b, PER_BATCH * (b + 1));
    if (!Number.isFinite(lossSum!) || lossSum! < 0) {
      throw new TrainingError(
        `non-finite loss in evaluation at step ${step} (eval batch ${b + 1} of ${batches}): expected a finite loss sum >= 0, got ${lossSum}`,
        { step, tensor: 'loss' },
      );
    }
    meter.add(lossSum!, tokens!);
    correct += hits!;
  }
  if (meter.tokenCount === 0) {
    throw new TrainingError(
      `evaluation at step ${step}: expected at least one predicted token in the eval set, got 0`,
      { step },
    );
  }
  return {
    eval_loss: meter.meanLoss,
    eval_perplexity: meter.perplexity,
    eval_mean_token_accuracy: correct / meter.tokenCount,
    eval_num_tokens: meter.tokenCount,
    eval_runtime: (performance.now() - start) / 1000,
  };
}
