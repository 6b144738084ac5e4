// What a checkpoint-N/ folder holds and how it is read back: trainable parameters and the optimizer's state as
// safetensors, scheduler, RNG and data position as JSON, trainer_state.json, and the caller's adapter files — in any
// run storage (a Node folder, the browser's OPFS, memory).
import { type Parameter, readableOnHost } from '@lora/core';
import { SafetensorsBuffer, serializeSafetensorsParts, type TensorInputs } from '@lora/safetensors';
import { CHECKPOINT_PREFIX, listCheckpoints } from './checkpoint-io.js';
import {
  type DataState,
  parseDataState,
  parseRngState,
  parseSchedulerState,
  type RngState,
  type SchedulerState,
} from './checkpoint-state.js';
import { CheckpointError } from './errors.js';
import type { Optimizer } from './optimizer.js';
import type { FolderWriter, RunStorage } from './run-storage.js';
import { parseTrainerState, serializeTrainerState, type TrainerState } from './trainer-state.js';
import { joinParts, wholeTensors } from './whole-tensors.js';

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
  optimizer: Optimizer;
  scheduler: SchedulerState;
  rng: RngState;
  data: DataState;
  trainerState: TrainerState;
  /** writes the caller's files (the CLI: the PEFT adapter) into the folder being assembled */
  saveAdapter?: SaveAdapter;
}

/** Writes the caller's files (e.g. PEFT adapter_model.safetensors + adapter_config.json) into a checkpoint folder. */
export type SaveAdapter = (folder: FolderWriter, info: { step: number }) => void | Promise<void>;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Write `checkpoint-<step>/` into the storage atomically (absent or complete, even on a crash). Returns its path
 * (`storage.pathOf`). A failure is a CheckpointError: `writing <path> failed: …; no partial folder was left`.
 */
export async function saveCheckpoint(storage: RunStorage, c: CheckpointContents): Promise<string> {
  const name = `${CHECKPOINT_PREFIX}-${c.step}`;
  const target = storage.pathOf(name);
  try {
    await storage.writeFolder(name, (folder) => fillCheckpoint(folder, c));
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new CheckpointError(target, `writing ${target} failed: ${detail}; no partial folder was left`, {
      cause: error,
    });
  }
  return target;
}

async function fillCheckpoint(folder: FolderWriter, c: CheckpointContents): Promise<void> {
  const trainable: Record<string, TensorInputs[string]> = {};
  // each tensor whole under its name, its row blocks (if the model splits it) joined: resumable under any split
  for (const t of wholeTensors(c.params)) {
    const parts = await Promise.all(t.blocks.map((b) => readableOnHost(b.param.data)));
    trainable[t.name] = { dtype: 'F32', shape: t.shape, data: joinParts(parts) };
  }
  // written in parts, from the arrays themselves where host code reads them (JS heap, wasm memory): no copy
  await folder.writeFile(TRAINABLE_FILE, serializeSafetensorsParts(trainable, { format: 'pt' }));
  const state = await c.optimizer.saveState();
  await folder.writeFile(OPTIMIZER_FILE, serializeSafetensorsParts(state.tensors, state.metadata));
  await folder.writeFile(SCHEDULER_FILE, json(c.scheduler));
  await folder.writeFile(RNG_FILE, json(c.rng));
  await folder.writeFile(DATA_FILE, json(c.data));
  await folder.writeFile(TRAINER_STATE_FILE, serializeTrainerState(c.trainerState));
  await c.saveAdapter?.(folder, { step: c.step });
}

export interface LoadedCheckpoint {
  path: string;
  params: Map<string, Float32Array>;
  /** the optimizer that saved it (metadata "optimizer"; checkpoints from before there was a choice: adamw_torch) */
  optimizerName: string;
  optimizerStep: number;
  /** LoRA+'s ratio the optimizer's groups had (metadata "loraplus_lr_ratio"; absent: one learning rate) */
  loraplusLrRatio: number | undefined;
  /** optimizer.safetensors' tensors: float32 ones checked finite, uint8 ones (8-bit state) as saved */
  optimizerTensors: Map<string, Float32Array | Uint8Array>;
  /** optimizer.safetensors' metadata (the optimizer's settings; 8-bit state: where split tensors' blocks start) */
  optimizerMetadata: Record<string, string>;
  /** where they were read from, for messages */
  optimizerPath: string;
  scheduler: SchedulerState;
  rng: RngState;
  data: DataState;
  trainerState: TrainerState;
}

/** Reads one checkpoint folder's files from its storage; every error names the file by its path. */
class CheckpointReader {
  constructor(
    readonly storage: RunStorage,
    readonly name: string,
  ) {}

  pathOf(file: string): string {
    return this.storage.pathOf(`${this.name}/${file}`);
  }

  async bytes(file: string, expected: string): Promise<Uint8Array> {
    const path = this.pathOf(file);
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.storage.readFile(`${this.name}/${file}`);
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new CheckpointError(path, `cannot read ${path}: ${why}`, { cause });
    }
    if (bytes === undefined)
      throw new CheckpointError(path, `cannot read ${path}: expected ${expected}, got no such file`);
    return bytes;
  }

  async text(file: string): Promise<string> {
    return new TextDecoder().decode(await this.bytes(file, 'a file written by saveCheckpoint'));
  }

  async json(file: string): Promise<unknown> {
    const text = await this.text(file);
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      const path = this.pathOf(file);
      throw new CheckpointError(path, `${path}: expected JSON, got unparsable text`, { cause });
    }
  }

  async tensors(
    file: string,
    uint8 = false,
  ): Promise<{ tensors: Map<string, Float32Array | Uint8Array>; metadata: Record<string, string> }> {
    const path = this.pathOf(file);
    const bytes = await this.bytes(file, 'a safetensors file written by saveCheckpoint');
    let parsed: SafetensorsBuffer;
    try {
      parsed = new SafetensorsBuffer(bytes, path);
    } catch (cause) {
      throw new CheckpointError(
        path,
        `cannot open ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
    const tensors = new Map<string, Float32Array | Uint8Array>();
    for (const name of parsed.tensorNames()) {
      if (uint8 && parsed.info(name).dtype === 'U8') {
        tensors.set(name, parsed.readTyped(name).slice() as Uint8Array);
        continue;
      }
      const data = parsed.readF32(name);
      checkFiniteTensor(data, path, name);
      tensors.set(name, data);
    }
    return { tensors, metadata: { ...parsed.metadata } };
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
 * Read every part of the checkpoint folder `name` of a storage; throws CheckpointError naming the file that is
 * missing or bad, the JSON key that does not hold what saveCheckpoint writes, or the tensor holding NaN or ±Infinity.
 */
export async function loadCheckpoint(storage: RunStorage, name: string): Promise<LoadedCheckpoint> {
  if (typeof name !== 'string' || name === '' || name.includes('/')) {
    throw new CheckpointError(
      String(name),
      `loadCheckpoint: name: expected a checkpoint folder name, got ${JSON.stringify(name) ?? String(name)}`,
    );
  }
  const read = new CheckpointReader(storage, name);
  const params = (await read.tensors(TRAINABLE_FILE)).tensors as Map<string, Float32Array>;
  const opt = await read.tensors(OPTIMIZER_FILE, true);
  const optimizerStep = Number(opt.metadata.step);
  if (!Number.isInteger(optimizerStep) || optimizerStep < 0) {
    throw new CheckpointError(
      read.pathOf(OPTIMIZER_FILE),
      `${OPTIMIZER_FILE} metadata "step": expected an integer >= 0, got ${opt.metadata.step}`,
    );
  }
  const ratioText = opt.metadata.loraplus_lr_ratio;
  const loraplusLrRatio = ratioText === undefined ? undefined : Number(ratioText);
  if (loraplusLrRatio !== undefined && !(Number.isFinite(loraplusLrRatio) && loraplusLrRatio > 0)) {
    throw new CheckpointError(
      read.pathOf(OPTIMIZER_FILE),
      `${OPTIMIZER_FILE} metadata "loraplus_lr_ratio": expected a number > 0, got ${ratioText}`,
    );
  }
  const trainerText = await read.text(TRAINER_STATE_FILE);
  return {
    path: storage.pathOf(name),
    params,
    optimizerName: opt.metadata.optimizer ?? 'adamw_torch',
    optimizerStep,
    loraplusLrRatio,
    optimizerTensors: opt.tensors,
    optimizerMetadata: opt.metadata,
    optimizerPath: read.pathOf(OPTIMIZER_FILE),
    scheduler: parseSchedulerState(read.pathOf(SCHEDULER_FILE), await read.json(SCHEDULER_FILE)),
    rng: parseRngState(read.pathOf(RNG_FILE), await read.json(RNG_FILE)),
    data: parseDataState(read.pathOf(DATA_FILE), await read.json(DATA_FILE)),
    trainerState: parseTrainerState(trainerText, read.pathOf(TRAINER_STATE_FILE)),
  };
}

/** Whether a folder holds every file saveCheckpoint writes. */
async function isComplete(storage: RunStorage, name: string): Promise<boolean> {
  const files = new Set((await storage.list(name)).filter((e) => e.kind === 'file').map((e) => e.name));
  return REQUIRED_FILES.every((f) => files.has(f));
}

/** The name of the highest-step complete `checkpoint-N` folder in the storage, or undefined when there is none. */
export async function latestCheckpointName(storage: RunStorage): Promise<string | undefined> {
  const all = await listCheckpoints(storage);
  for (let i = all.length - 1; i >= 0; i--) if (await isComplete(storage, all[i]!.name)) return all[i]!.name;
  return undefined;
}

/** The path (`storage.pathOf`) of the highest-step complete `checkpoint-N` folder, or undefined when there is none. */
export async function latestCheckpoint(storage: RunStorage): Promise<string | undefined> {
  const name = await latestCheckpointName(storage);
  return name === undefined ? undefined : storage.pathOf(name);
}
