// The settings of the page's run: @lora/datasets' STORY_QUESTIONS_RECIPE, the same as `lora train` with no
// arguments (stories260K, the story-questions task, QLoRA NF4 + double quant, LoRA on every linear with the
// embedding trained in full, the Llama-2 chat format), with the page's own cadence of evaluations and checkpoints.
import { STORY_QUESTIONS_RECIPE as R } from '@lora/datasets';
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

/** The story-questions task's seed and held-out count; training examples = steps × batch. */
export const STORY_TASK = { seed: R.data.seed, eval: R.data.eval } as const;

/** The recipe's 500 steps: about 35 s in headless Chromium on 2 cores (1 wasm thread). */
export const DEFAULT_STEPS: number = R.steps;

export const DEFAULT_SETTINGS: RunSettings = {
  chatFormat: R.chatFormat,
  lora: {
    r: R.lora.r,
    alpha: R.lora.alpha,
    dropout: R.lora.dropout,
    modulesToSave: [...R.lora.modulesToSave],
    seed: 42,
  },
  learningRate: R.learningRate,
  warmupSteps: R.warmupSteps,
  batchSize: R.batchSize,
  steps: DEFAULT_STEPS,
  maxLength: R.maxLength,
  evalSteps: 50,
  saveSteps: 25,
  seed: 42,
  evalPrompts: R.data.eval,
  maxNewTokens: R.maxNewTokens,
};
