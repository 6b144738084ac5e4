// The Trainer's public types: its options, the progress events the CLI renders, and the result of a run.
import type { SaveAdapter } from './checkpoint.js';
import type { TrainingConfig } from './config.js';
import type { TrainableModel, TrainExample } from './model.js';
import type { MetricsEntry } from './run-log.js';
import type { RunStorage } from './run-storage.js';
import type { TrainerState } from './trainer-state.js';

/** Sent after every optimizer step; the CLI draws its progress bar from it. */
export interface ProgressEvent {
  step: number;
  maxSteps: number;
  epoch: number;
  loss: number;
  lr: number;
  /** non-pad input tokens per second since this session started */
  tokensPerSec: number;
  etaSeconds: number;
}

export interface TrainerOptions {
  model: TrainableModel;
  trainDataset: readonly TrainExample[];
  evalDataset?: readonly TrainExample[];
  config: TrainingConfig;
  /**
   * Where checkpoint-N/, metrics.jsonl, training.log and trainer_state.json go (output_dir):
   * `await nodeStorage(dir)`, `await opfsStorage(root)` or `memoryStorage()`.
   */
  storage: RunStorage;
  /** writes the adapter (e.g. PEFT adapter_model.safetensors + adapter_config.json) into each checkpoint folder */
  saveAdapter?: SaveAdapter;
  onProgress?: (event: ProgressEvent) => void;
  /** every metrics.jsonl entry as it is written */
  onLog?: (entry: MetricsEntry) => void;
}

export interface TrainResult {
  globalStep: number;
  /** mean of the per-step losses over the whole run (transformers' train_loss) */
  trainLoss: number;
  /** true when requestStop() ended the run early (a checkpoint was saved) */
  stopped: boolean;
  /** the last checkpoint written, if any */
  lastCheckpoint: string | undefined;
  bestMetric: number | null;
  bestModelCheckpoint: string | null;
  state: TrainerState;
}
