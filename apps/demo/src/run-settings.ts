// The settings of the page's run: those of `lora train` with no arguments (apps/cli/src/default-setup.ts: stories260K,
// the story-questions task, QLoRA NF4 + double quant, LoRA r 8 / alpha 16 on every linear with the embedding trained
// in full, the Llama-2 chat format, lr 3e-3 linear with 10 warmup steps, batch 8, max length 96) with fewer steps.
// The CLI keeps these values in its own module, which no package exports, so they are restated here.
import type { ChatFormatChoice } from './chat-setup.js';

export interface LoraSettings {
  r: number;
  alpha: number;
  dropout: number;
  /** PEFT's modules_to_save: trained in full and saved with the adapter */
  modulesToSave: string[];
  seed: number;
}

export interface RunSettings {
  chatFormat: ChatFormatChoice;
  lora: LoraSettings;
  learningRate: number;
  warmupSteps: number;
  batchSize: number;
  /** optimizer steps (one pass over steps × batchSize examples for the story task) */
  steps: number;
  maxLength: number;
  evalSteps: number;
  /** a checkpoint every this many steps (what a reload resumes from) */
  saveSteps: number;
  seed: number;
  /** held-out prompts answered before and after */
  evalPrompts: number;
  maxNewTokens: number;
}

/** The story-questions task's seed and held-out count (the CLI's DEFAULT_DATA); training examples = steps × batch. */
export const STORY_TASK = { seed: 7, eval: 64 } as const;

/**
 * 250 steps where the CLI runs 500: in headless Chromium on 2 busy cores (1 wasm thread) a step takes ~0.3 s, so
 * the run trains in about a minute and a half; held-out exact match still goes from 0 to (nearly) all.
 */
export const DEFAULT_STEPS = 500;

export const DEFAULT_SETTINGS: RunSettings = {
  chatFormat: 'llama2',
  lora: { r: 8, alpha: 16, dropout: 0, modulesToSave: ['embed_tokens'], seed: 42 },
  learningRate: 3e-3,
  warmupSteps: 10,
  batchSize: 8,
  steps: DEFAULT_STEPS,
  maxLength: 96,
  evalSteps: 50,
  saveSteps: 25,
  seed: 42,
  evalPrompts: 64,
  maxNewTokens: 16,
};
