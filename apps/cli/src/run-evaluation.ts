// Evaluation of a training run, before and after: token loss / perplexity on the held-out set (the trainer's
// evaluateModel) and the generated answers to held-out prompts, scored.
import type { TokenizedExample } from '@lora/datasets';
import { evaluateModel, type TrainableModel } from '@lora/sft';
import { type AnswerCase, answersJson, describeAnswers, scoreAnswers } from './answers.js';
import { type Generator, GREEDY, generateAnswers } from './generation.js';
import type { EvalSnapshot } from './report.js';

export interface Snapshot extends EvalSnapshot {
  predictions: string[];
}

export interface EvaluatorOptions {
  batchSize: number;
  padTokenId: number;
  maxNewTokens: number;
}

/** Held-out loss and perplexity of the model as it is now. */
export interface EvalMetrics {
  loss: number;
  perplexity: number;
}

/**
 * A function taking a snapshot of the model as it is now. `known`: the held-out metrics of these very weights,
 * already computed (the trainer's evaluation at the run's last step), so they are not computed again.
 */
export function makeEvaluator(
  trainable: TrainableModel,
  evalExamples: readonly TokenizedExample[],
  cases: readonly AnswerCase[],
  g: Generator,
  o: EvaluatorOptions,
): (known?: EvalMetrics) => Promise<Snapshot> {
  return async (known) => {
    const metrics =
      evalExamples.length === 0 ? undefined : (known ?? (await heldOutMetrics(trainable, evalExamples, o)));
    const prompts = cases.map((c) => c.prompt);
    const predictions =
      cases.length > 0 ? await generateAnswers(g, prompts, { ...GREEDY, maxNewTokens: o.maxNewTokens }) : [];
    const expected = cases.map((c) => c.expected);
    const answers = cases.length > 0 ? scoreAnswers(expected, predictions) : undefined;
    return { loss: metrics?.loss, perplexity: metrics?.perplexity, answers, predictions };
  };
}

async function heldOutMetrics(
  trainable: TrainableModel,
  evalExamples: readonly TokenizedExample[],
  o: EvaluatorOptions,
): Promise<EvalMetrics> {
  const m = await evaluateModel(trainable, evalExamples, o.batchSize, {
    padTokenId: o.padTokenId,
    paddingSide: 'right',
  });
  return { loss: m.eval_loss, perplexity: m.eval_perplexity };
}

/** `eval loss 0.0027, perplexity 1.003, accuracy 100.0% (48/48), macro F1 1.0000, …` */
export function describeSnapshot(s: EvalSnapshot): string {
  const parts: string[] = [];
  if (s.loss !== undefined) parts.push(`eval loss ${s.loss.toFixed(4)}`);
  if (s.perplexity !== undefined) parts.push(`perplexity ${s.perplexity.toFixed(3)}`);
  if (s.answers) parts.push(describeAnswers(s.answers));
  return parts.join(', ');
}

/** The JSON form of a snapshot in eval_results.json. */
export function snapshotJson(e: EvalSnapshot): Record<string, unknown> {
  return {
    loss: e.loss ?? null,
    perplexity: e.perplexity ?? null,
    ...(e.answers ? answersJson(e.answers) : { accuracy: null, correct: null, total: null }),
  };
}
