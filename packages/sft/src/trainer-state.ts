// trainer_state.json in transformers' TrainerState shape (json.dumps(asdict(state), indent=2, sort_keys=True)).
import { CheckpointError } from './errors.js';

/** One log_history entry: a training log ({loss, grad_norm, learning_rate, ...}) or an evaluation ({eval_loss, ...}). */
export type LogHistoryEntry = { step: number; epoch: number } & Record<string, number>;

/** transformers' `TrainerState`, as `trainer_state.json` holds it. */
export interface TrainerState {
  global_step: number;
  epoch: number;
  max_steps: number;
  num_train_epochs: number;
  logging_steps: number;
  eval_steps: number | null;
  save_steps: number;
  train_batch_size: number;
  num_input_tokens_seen: number;
  total_flos: number;
  log_history: LogHistoryEntry[];
  best_metric: number | null;
  best_global_step: number | null;
  best_model_checkpoint: string | null;
  is_local_process_zero: boolean;
  is_world_process_zero: boolean;
  is_hyper_param_search: boolean;
  trial_name: string | null;
  trial_params: Record<string, unknown> | null;
  stateful_callbacks: Record<string, unknown>;
}

export function initialTrainerState(
  fields: Pick<
    TrainerState,
    'max_steps' | 'num_train_epochs' | 'logging_steps' | 'eval_steps' | 'save_steps' | 'train_batch_size'
  >,
): TrainerState {
  return {
    global_step: 0,
    epoch: 0,
    num_input_tokens_seen: 0,
    total_flos: 0,
    log_history: [],
    best_metric: null,
    best_global_step: null,
    best_model_checkpoint: null,
    is_local_process_zero: true,
    is_world_process_zero: true,
    is_hyper_param_search: false,
    trial_name: null,
    trial_params: null,
    stateful_callbacks: {},
    ...fields,
  };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The file text: keys sorted at every level, two-space indent, trailing newline. */
export function serializeTrainerState(state: TrainerState): string {
  return `${JSON.stringify(sortKeys(state), null, 2)}\n`;
}

const REQUIRED = ['global_step', 'epoch', 'max_steps', 'log_history'] as const;

/** Parse trainer_state.json text; throws CheckpointError naming `path` when it is not a TrainerState. */
export function parseTrainerState(text: string, path: string): TrainerState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new CheckpointError(path, `${path}: expected trainer_state JSON, got unparsable text`, { cause });
  }
  const obj = value as Record<string, unknown>;
  for (const key of REQUIRED) {
    if (obj === null || typeof obj !== 'object' || !(key in obj)) {
      throw new CheckpointError(
        path,
        `${path}: expected key "${key}" in trainer_state, got keys ${obj && typeof obj === 'object' ? Object.keys(obj).join(', ') : String(obj)}`,
      );
    }
  }
  if (!Number.isInteger(obj.global_step) || !Array.isArray(obj.log_history)) {
    throw new CheckpointError(
      path,
      `${path}: expected an integer global_step and a log_history array, got ${String(obj.global_step)} and ${typeof obj.log_history}`,
    );
  }
  return value as TrainerState;
}
