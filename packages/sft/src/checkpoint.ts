// What a checkpoint-N/ folder holds and how it is read back: trainable parameters and AdamW moments as
// safetensors, scheduler, RNG and data position as JSON, trainer_state.json, and the caller's adapter files.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Parameter, toHost } from '@lora/core';
import { writeFileAtomic } from '@lora/files';
import { SafetensorsFile, type TensorInputs, writeSafetensors } from '@lora/safetensors';
import type { AdamW } from './adamw.js';
import { CHECKPOINT_PREFIX, listCheckpoints, writeFolderAtomic } from './checkpoint-io.js';
import { CheckpointError } from './errors.js';
import {
  type DataState,
  parseDataState,
  parseRngState,
  parseSchedulerState,
  type RngState,
  type SchedulerState,
} from './checkpoint-state.js';
import { parseTrainerState, serializeTrainerState, type TrainerState } from './trainer-state.js';

export type { DataState, RngState, SchedulerState } from './checkpoint-state.js';

export const TRAINABLE_FILE = 'trainable.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const SCHEDULER_FILE = 'scheduler.json';
export const RNG_FILE = 'rng_state.json';
export const DATA_FILE = 'data_state.json';
export const TRAINER_STATE_FILE = 'trainer_state.json';
const REQUIRED_FILES = [
  TRAINABLE_FILE,
  OPTIMIZER_FILE,
  SCHEDULER_FILE,
  RNG_FILE,
  DATA_FILE,
  TRAINER_STATE_FILE,
];

export interface CheckpointContents {
  step: number;
  params: readonly Parameter[];
  optimizer: AdamW;
  scheduler: SchedulerState;
  rng: RngState;
  data: DataState;
  trainerState: TrainerState;
  /** writes the caller's files (the CLI: the PEFT adapter) into the folder being assembled */
  saveAdapter?: (dir: string, info: { step: number }) => void | Promise<void>;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Write `outputDir/checkpoint-<step>/` atomically (absent or complete, even on a crash). Returns its path. */
export async function saveCheckpoint(outputDir: string, c: CheckpointContents): Promise<string> {
  return writeFolderAtomic(outputDir, `${CHECKPOINT_PREFIX}-${c.step}`, async (dir) => {
    const trainable: Record<string, TensorInputs[string]> = {};
    const moments: Record<string, TensorInputs[string]> = {};
    for (const [i, p] of c.params.entries()) {
      const s = c.optimizer.stateOf(i);
      trainable[p.name] = { dtype: 'F32', shape: p.shape, data: await toHost(p.data) };
      moments[`${p.name}.exp_avg`] = { dtype: 'F32', shape: p.shape, data: await toHost(s.expAvg) };
      moments[`${p.name}.exp_avg_sq`] = { dtype: 'F32', shape: p.shape, data: await toHost(s.expAvgSq) };
    }
    await writeSafetensors(join(dir, TRAINABLE_FILE), trainable, { format: 'pt' });
    const o = c.optimizer;
    await writeSafetensors(join(dir, OPTIMIZER_FILE), moments, {
      step: String(o.stepCount),
      betas: JSON.stringify([o.beta1, o.beta2]),
      eps: String(o.eps),
      weight_decay: String(o.weightDecay),
    });
    await writeFileAtomic(join(dir, SCHEDULER_FILE), json(c.scheduler));
    await writeFileAtomic(join(dir, RNG_FILE), json(c.rng));
    await writeFileAtomic(join(dir, DATA_FILE), json(c.data));
    await writeFileAtomic(join(dir, TRAINER_STATE_FILE), serializeTrainerState(c.trainerState));
    await c.saveAdapter?.(dir, { step: c.step });
  });
}

export interface LoadedCheckpoint {
  path: string;
  params: Map<string, Float32Array>;
  optimizerStep: number;
  moments: Map<string, { expAvg: Float32Array; expAvgSq: Float32Array }>;
  scheduler: SchedulerState;
  rng: RngState;
  data: DataState;
  trainerState: TrainerState;
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch((cause: unknown) => {
    throw new CheckpointError(path, `cannot read ${path}: expected a file written by saveCheckpoint`, {
      cause,
    });
  });
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new CheckpointError(path, `${path}: expected JSON, got unparsable text`, { cause });
  }
}

async function readTensors(
  path: string,
): Promise<{ tensors: Map<string, Float32Array>; metadata: Record<string, string> }> {
  let file: SafetensorsFile;
  try {
    file = await SafetensorsFile.open(path);
  } catch (cause) {
    throw new CheckpointError(
      path,
      `cannot open ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  try {
    const tensors = new Map<string, Float32Array>();
    for (const name of file.tensorNames()) {
      const data = await file.readF32(name);
      checkFiniteTensor(data, path, name);
      tensors.set(name, data);
    }
    return { tensors, metadata: { ...file.metadata } };
  } finally {
    await file.close();
  }
}

/** A NaN or ±Infinity restored into a parameter or moment only shows up as a non-finite loss: refuse it by name. */
function checkFiniteTensor(data: Float32Array, path: string, name: string): void {
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i]!)) continue;
    let count = 0;
    for (let j = i; j < data.length; j++) if (!Number.isFinite(data[j]!)) count++;
    throw new CheckpointError(
      path,
      `${path}: tensor "${name}": expected finite values, got ${count} non-finite of ${data.length} (first: element ${i} is ${data[i]})`,
    );
  }
}

/**
 * Read every part of a checkpoint folder; throws CheckpointError naming the file that is missing or bad, the JSON key
 * that does not hold what saveCheckpoint writes, or the tensor holding NaN or ±Infinity.
 */
export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  if (typeof path !== 'string' || path === '') {
    throw new CheckpointError(String(path), `loadCheckpoint: path: expected a checkpoint folder, got ${JSON.stringify(path) ?? String(path)}`);
  }
  const params = (await readTensors(join(path, TRAINABLE_FILE))).tensors;
  const opt = await readTensors(join(path, OPTIMIZER_FILE));
  const optimizerStep = Number(opt.metadata.step);
  if (!Number.isInteger(optimizerStep) || optimizerStep < 0) {
    throw new CheckpointError(
      join(path, OPTIMIZER_FILE),
      `${OPTIMIZER_FILE} metadata "step": expected an integer >= 0, got ${opt.metadata.step}`,
    );
  }
  const moments = new Map<string, { expAvg: Float32Array; expAvgSq: Float32Array }>();
  for (const name of params.keys()) {
    const expAvg = opt.tensors.get(`${name}.exp_avg`);
    const expAvgSq = opt.tensors.get(`${name}.exp_avg_sq`);
    if (!expAvg || !expAvgSq) {
      throw new CheckpointError(
        join(path, OPTIMIZER_FILE),
        `${OPTIMIZER_FILE}: expected "${name}.exp_avg" and "${name}.exp_avg_sq", got ${expAvg ? '' : 'no exp_avg '}${expAvgSq ? '' : 'no exp_avg_sq'}`.trim(),
      );
    }
    moments.set(name, { expAvg, expAvgSq });
  }
  const trainerPath = join(path, TRAINER_STATE_FILE);
  const trainerText = await readFile(trainerPath, 'utf8').catch((cause: unknown) => {
    throw new CheckpointError(trainerPath, `cannot read ${trainerPath}`, { cause });
  });
  return {
    path,
    params,
    optimizerStep,
    moments,
    scheduler: parseSchedulerState(join(path, SCHEDULER_FILE), await readJson(join(path, SCHEDULER_FILE))),
    rng: parseRngState(join(path, RNG_FILE), await readJson(join(path, RNG_FILE))),
    data: parseDataState(join(path, DATA_FILE), await readJson(join(path, DATA_FILE))),
    trainerState: parseTrainerState(trainerText, trainerPath),
  };
}

/** Whether a folder holds every file saveCheckpoint writes. */
async function isComplete(path: string): Promise<boolean> {
  for (const f of REQUIRED_FILES) {
    const ok = await stat(join(path, f)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!ok) return false;
  }
  return true;
}

/** The highest-step complete `checkpoint-N/` in `outputDir`, or undefined when there is none. */
export async function latestCheckpoint(outputDir: string): Promise<string | undefined> {
  const all = await listCheckpoints(outputDir);
  for (let i = all.length - 1; i >= 0; i--) if (await isComplete(all[i]!.path)) return all[i]!.path;
  return undefined;
}
