// What the split-embedding trainer tests share: a tiny Qwen2 (vocabulary 128, hidden 32, tied) with LoRA on q/v and
// modules_to_save embed_tokens — whose 16 KiB embedding a device capped at 8 KiB an array keeps in two row blocks —
// its training settings, and a run that can stop after a step or resume.
import { CausalLM } from '@lora/models';
import { injectLora, type LoraModel, loraConfig } from '@lora/peft';
import type { TrainingConfig } from './config.js';
import type { RunStorage } from './run-storage.js';
import { Trainer } from './trainer.js';
import { readMetrics, toyExamples } from './trainer.test-support.js';

export const SPLIT_EXAMPLES = toyExamples(8, 128, 4);

/** 4 steps of 2 examples, a checkpoint every 2, with `optim`; `resume` from the latest checkpoint. */
export const splitRunConfig = (optim: TrainingConfig['optim'], resume = false): TrainingConfig => ({
  padTokenId: 0,
  learningRate: 0.01,
  batchSize: 2,
  gradientAccumulationSteps: 1,
  maxSteps: 4,
  maxGradNorm: 1,
  loggingSteps: 1,
  saveSteps: 2,
  optim,
  resume,
});

/** The checkpoint in `dir` with LoRA r 2 on q_proj/v_proj and embed_tokens trained in full. */
export async function splitEmbeddingModel(dir: string): Promise<LoraModel> {
  return injectLora(
    await CausalLM.load(dir),
    loraConfig({
      r: 2,
      lora_alpha: 4,
      target_modules: ['q_proj', 'v_proj'],
      modules_to_save: ['embed_tokens'],
    }),
  );
}

/** Trains `model` on SPLIT_EXAMPLES (stopping after step `stopAt`, or resuming); returns the losses logged. */
export async function splitRun(
  model: CausalLM,
  optim: TrainingConfig['optim'],
  storage: RunStorage,
  { stopAt, resume = false }: { stopAt?: number; resume?: boolean } = {},
): Promise<number[]> {
  const trainer: Trainer = new Trainer({
    model,
    trainDataset: SPLIT_EXAMPLES,
    storage,
    config: splitRunConfig(optim, resume),
    onProgress: (e) => e.step === stopAt && trainer.requestStop(),
  });
  await trainer.train();
  return (await readMetrics(storage)).filter((e) => 'loss' in e).map((e) => e.loss!);
}
