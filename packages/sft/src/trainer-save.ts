// The trainer's save step: assemble scheduler, RNG and data-position state, write checkpoint-N atomically,
// update best_model_checkpoint, prune with save_total_limit, and rewrite trainer_state.json in the run's storage.
import type { Parameter } from '@lora/core';
import {
  type DataState,
  type RngState,
  type SaveAdapter,
  type SchedulerState,
  saveCheckpoint,
  TRAINER_STATE_FILE,
} from './checkpoint.js';
import { checkpointsToDelete, listCheckpoints } from './checkpoint-io.js';
import type { Optimizer } from './optimizer.js';
import type { RunStorage } from './run-storage.js';
import { learningRateAt, type ScheduleOptions } from './schedule.js';
import { serializeTrainerState, type TrainerState } from './trainer-state.js';

export interface RunSnapshot {
  storage: RunStorage;
  step: number;
  params: readonly Parameter[];
  optimizer: Optimizer;
  schedule: ScheduleOptions;
  /** where the data loader continues */
  position: { epoch: number; batchInEpoch: number };
  seed: number;
  shuffle: boolean;
  rngState: number[];
  numExamples: number;
  batchSize: number;
  gradientAccumulationSteps: number;
  totalLoss: number;
  /** updated in place (best_model_checkpoint) before it is written */
  state: TrainerState;
  saveTotalLimit: number | undefined;
  saveAdapter?: SaveAdapter | undefined;
  note: (message: string) => Promise<void>;
}

/** trainer_state.json in the storage's root, written atomically. */
export async function writeTrainerState(storage: RunStorage, state: TrainerState): Promise<void> {
  await storage.writeFile(TRAINER_STATE_FILE, serializeTrainerState(state));
}

/** Save checkpoint-<step> for the run as it stands; returns the folder. */
export async function saveRunCheckpoint(s: RunSnapshot): Promise<string> {
  const { storage, step, state } = s;
  const bestStep = state.best_global_step;
  if (bestStep !== null) {
    // as transformers: the best checkpoint is recorded once a checkpoint of that step exists
    const exists = bestStep === step || (await listCheckpoints(storage)).some((c) => c.step === bestStep);
    if (exists) state.best_model_checkpoint = storage.pathOf(`checkpoint-${bestStep}`);
  }
  const scheduler: SchedulerState = {
    type: s.schedule.type,
    base_lr: s.schedule.baseLr,
    warmup_steps: s.schedule.warmupSteps,
    total_steps: s.schedule.totalSteps,
    last_epoch: step,
    last_lr: learningRateAt(s.schedule, step),
  };
  const rng: RngState = {
    shuffle: { seed: s.seed, epoch: s.position.epoch, enabled: s.shuffle },
    dropout: { algorithm: 'xoshiro128**', state: s.rngState },
  };
  const data: DataState = {
    epoch: s.position.epoch,
    batch_in_epoch: s.position.batchInEpoch,
    num_examples: s.numExamples,
    batch_size: s.batchSize,
    gradient_accumulation_steps: s.gradientAccumulationSteps,
    total_loss: s.totalLoss,
  };
  const path = await saveCheckpoint(storage, {
    step,
    params: s.params,
    optimizer: s.optimizer,
    scheduler,
    rng,
    data,
    trainerState: state,
    ...(s.saveAdapter ? { saveAdapter: s.saveAdapter } : {}),
  });
  await s.note(`saved ${path}`);
  const checkpoints = await listCheckpoints(storage);
  const sorted = checkpoints.map((c) => c.path);
  for (const old of checkpointsToDelete(sorted, s.saveTotalLimit, state.best_model_checkpoint)) {
    await storage.remove(checkpoints.find((c) => c.path === old)!.name);
    await s.note(`deleted ${old} (saveTotalLimit ${s.saveTotalLimit})`);
  }
  await writeTrainerState(storage, state);
  return path;
}
