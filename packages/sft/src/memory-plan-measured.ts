// A measured `lora train` run (the records of fixtures/measured-peak-rss.json, and of @lora/bench's QLoRA memory row):
// its settings in config.json's terms, its peak RSS, and the plan `lora train` makes for it.
import type { MemoryPlanInput, ModelShapes, QuantKind } from './memory-plan.js';

/** The `lora train` settings of a measured run, as its training config spells them. */
export interface MeasuredRunSettings {
  quant: QuantKind;
  double_quant: boolean;
  lora_r: number;
  lora_alpha: number;
  lora_dropout: number;
  target_modules: string[];
  batch_size: number;
  grad_accum: number;
  max_length: number;
  gradient_checkpointing: boolean;
  max_steps: number;
}

/** One run: what ran (config.json, tokens per example, settings), its peak RSS, and how to run it again. */
export interface MeasuredRun {
  name: string;
  /** the config.json's path, relative to the repository's parent folder where it is inside it */
  source: string;
  config: Record<string, unknown>;
  tokens: number;
  examples: number;
  settings: MeasuredRunSettings;
  /** the training process's maximum resident set size (/usr/bin/time %M) */
  peakRssBytes: number;
  wallSeconds: number;
  command: string;
  machine: string;
  /** YYYY-MM-DD */
  date: string;
}

/**
 * The plan input `lora train` makes for a measured run, given the model's memory shapes (@lora/models'
 * memoryShapes of its config) and the loss's vocabulary chunk (DEFAULT_VOCAB_CHUNK).
 */
export function measuredRunPlanInput(
  run: Pick<MeasuredRun, 'tokens' | 'settings'>,
  model: ModelShapes,
  vocabChunk: number,
): MemoryPlanInput {
  const s = run.settings;
  const targets = s.target_modules;
  return {
    model,
    quant: s.quant,
    doubleQuant: s.double_quant,
    loraRank: s.lora_r,
    targetModules: targets.length === 1 && targets[0] === 'all-linear' ? 'all-linear' : targets,
    loraDropout: s.lora_dropout,
    batchSize: s.batch_size,
    seqLen: run.tokens,
    gradientCheckpointing: s.gradient_checkpointing,
    vocabChunk,
  };
}
