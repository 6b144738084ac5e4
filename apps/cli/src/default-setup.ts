// The embedded default run: llama2.c's stories260K — a real Llama pretrained on TinyStories, read from the
// @lora/stories260k package (never copied) — QLoRA-fine-tuned to answer who / where / what questions about
// two-sentence stories in one word and stop, which it cannot do before. On first use the seeded task is written to
// <cwd>/runs/default/data/ (skipping what exists); the hyperparameters are tuned so the run takes about a minute on
// 2 CPU cores.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  STORY_QUESTIONS_RECIPE,
  type StoryQuestionExample,
  storyQuestionsTask,
  toPreparedRecord,
} from '@lora/datasets';
import { STORIES260K_DIR } from '@lora/stories260k';
import { writeFileAtomic } from './atomic.js';
import { UsageError } from './errors.js';
import type { Options } from './options.js';
import type { TrainOptions } from './verb-options.js';

export interface DefaultRunPaths {
  root: string;
  trainFile: string;
  evalFile: string;
  /** the base model: the stories260K folder inside @lora/stories260k */
  modelDir: string;
  outputDir: string;
}

/** The stories260K Hugging Face folder shipped in @lora/stories260k (no trailing separator). */
export const DEFAULT_MODEL_DIR = resolve(fileURLToPath(STORIES260K_DIR));

/** The story-questions task: seed, and examples per split (one story each). */
export const DEFAULT_DATA = STORY_QUESTIONS_RECIPE.data;

const R = STORY_QUESTIONS_RECIPE;

/**
 * Training options of the default run (used where the user gave no value): @lora/datasets' STORY_QUESTIONS_RECIPE
 * (QLoRA NF4 + double quant on every linear with the embedding trained in full, the Llama-2 chat format, loss on
 * the answers only, one pass over 4,000 stories), with the CLI's own cadence of logs, evaluations and checkpoints.
 */
export const DEFAULT_TRAINING: Partial<TrainOptions> = {
  chat_template: R.chatFormat,
  quant: R.quant,
  double_quant: R.doubleQuant,
  target_modules: [R.lora.targetModules],
  modules_to_save: [...R.lora.modulesToSave],
  lora_r: R.lora.r,
  lora_alpha: R.lora.alpha,
  lora_dropout: R.lora.dropout,
  lr: R.learningRate,
  lr_scheduler: R.lrScheduler,
  warmup_steps: R.warmupSteps,
  batch_size: R.batchSize,
  epochs: (R.steps * R.batchSize) / R.data.train,
  max_length: R.maxLength,
  eval_steps: 100,
  logging_steps: 25,
  save_steps: 300,
  save_total_limit: 1,
  eval_prompts: 64,
  max_new_tokens: R.maxNewTokens,
};

export function defaultRunPaths(cwd: string): DefaultRunPaths {
  const root = join(cwd, 'runs', 'default');
  return {
    root,
    trainFile: join(root, 'data', 'train.jsonl'),
    evalFile: join(root, 'data', 'eval.jsonl'),
    modelDir: DEFAULT_MODEL_DIR,
    outputDir: join(root, 'output'),
  };
}

/** The task as `lora prepare` writes data: one `{ messages }` record per line. */
const jsonl = (rows: StoryQuestionExample[]) =>
  rows.map((r) => JSON.stringify(toPreparedRecord(r))).join('\n') + '\n';

/** Write the default run's data unless it is there; `log` gets one line when it does. */
export async function ensureDefaultRun(cwd: string, log: (line: string) => void): Promise<DefaultRunPaths> {
  const paths = defaultRunPaths(cwd);
  if (existsSync(paths.trainFile) && existsSync(paths.evalFile)) return paths;
  const task = storyQuestionsTask(DEFAULT_DATA);
  await mkdir(dirname(paths.trainFile), { recursive: true });
  await writeFileAtomic(paths.evalFile, jsonl(task.eval));
  await writeFileAtomic(paths.trainFile, jsonl(task.train));
  log(
    `default: wrote the story-questions task (${task.train.length} train / ${task.eval.length} held-out, seed ${DEFAULT_DATA.seed}) to ${dirname(paths.trainFile)}`,
  );
  return paths;
}

/** With no --model and no --data: the embedded default, with its tuned options where the user set none. */
export async function applyEmbeddedDefault(
  options: Options<TrainOptions>,
  cwd: string,
  log: (line: string) => void,
): Promise<boolean> {
  if (options.given('model') || options.given('data')) return false;
  if (options.given('eval_data') || options.given('eval_split')) {
    throw new UsageError(
      'lora train: --eval-data/--eval-split need --model and --data (without them the embedded default runs)',
    );
  }
  const paths = await ensureDefaultRun(cwd, log);
  options.fill(DEFAULT_TRAINING, 'default');
  options.set('model', paths.modelDir, 'default');
  options.set('data', paths.trainFile, 'default');
  options.set('eval_data', paths.evalFile, 'default');
  if (!options.given('output')) options.set('output', paths.outputDir, 'default');
  return true;
}
