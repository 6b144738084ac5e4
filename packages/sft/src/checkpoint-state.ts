// The JSON state files of a checkpoint-N/ folder (scheduler.json, rng_state.json, data_state.json): their shapes,
// and parsers that check each key as it was written, naming the file and key that is not (a hand-edited or truncated
// file must fail here, not as "Cannot read properties of undefined" in the middle of a resume).
import { CheckpointError } from './errors.js';
import { isLrSchedulerType, LR_SCHEDULER_TYPES, type LrSchedulerType } from './schedule.js';

/** LambdaLR's state: the schedule is a pure function of `last_epoch` (optimizer steps taken). */
export interface SchedulerState {
  type: LrSchedulerType;
  base_lr: number;
  warmup_steps: number;
  total_steps: number;
  last_epoch: number;
  last_lr: number;
}

/** The random state a checkpoint saves: the shuffle position and the dropout generator. */
export interface RngState {
  /** epoch order is shuffledIndices(n, seed + epoch): the seed and epoch say where the shuffle stream is */
  shuffle: { seed: number; epoch: number; enabled: boolean };
  /** the dropout/noise generator's xoshiro128** words */
  dropout: { algorithm: 'xoshiro128**'; state: number[] };
}

/** Where the data loader stands, plus the run settings that position depends on (checked on resume). */
export interface DataState {
  epoch: number;
  /** micro-batches of `epoch` already consumed */
  batch_in_epoch: number;
  num_examples: number;
  batch_size: number;
  gradient_accumulation_steps: number;
  /** Σ of the per-step mean losses (for train_loss = total / steps, as transformers' _total_loss_scalar) */
  total_loss: number;
}

/** Checks a parsed JSON file key by key; `fail` names the file and the key. */
class JsonShape {
  constructor(
    readonly path: string,
    readonly value: unknown,
  ) {}

  fail(key: string, expected: string, got: unknown): never {
    const shown = got === undefined ? 'nothing' : (JSON.stringify(got) ?? String(got));
    const cut = shown.length > 60 ? `${shown.slice(0, 57)}...` : shown;
    throw new CheckpointError(this.path, `${this.path}: ${key}: expected ${expected}, got ${cut}`);
  }

  object(key: string, value: unknown): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(key, 'an object', value);
    return value as Record<string, unknown>;
  }

  integer(key: string, value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range =
        max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
      this.fail(key, range, value);
    }
    return value as number;
  }

  finite(key: string, value: unknown): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(key, 'a finite number', value);
    return value as number;
  }

  boolean(key: string, value: unknown): boolean {
    if (typeof value !== 'boolean') this.fail(key, 'true or false', value);
    return value as boolean;
  }
}

const UINT32_MAX = 4294967295;

/** rng_state.json as saveCheckpoint writes it: the shuffle position and four xoshiro128** words, not all zero. */
export function parseRngState(path: string, value: unknown): RngState {
  const j = new JsonShape(path, value);
  const root = j.object('the file', value);
  const shuffle = j.object('shuffle', root.shuffle);
  const dropout = j.object('dropout', root.dropout);
  if (dropout.algorithm !== 'xoshiro128**') j.fail('dropout.algorithm', '"xoshiro128**"', dropout.algorithm);
  const words = dropout.state;
  if (!Array.isArray(words) || words.length !== 4) j.fail('dropout.state', 'four uint32 words', words);
  const state = (words as unknown[]).map((w, i) => j.integer(`dropout.state[${i}]`, w, 0, UINT32_MAX));
  if (state.every((w) => w === 0)) j.fail('dropout.state', 'four uint32 words, not all zero', words);
  return {
    shuffle: {
      seed: j.integer('shuffle.seed', shuffle.seed, 0, UINT32_MAX),
      epoch: j.integer('shuffle.epoch', shuffle.epoch),
      enabled: j.boolean('shuffle.enabled', shuffle.enabled),
    },
    dropout: { algorithm: 'xoshiro128**', state },
  };
}

/** scheduler.json: LambdaLR's state. */
export function parseSchedulerState(path: string, value: unknown): SchedulerState {
  const j = new JsonShape(path, value);
  const o = j.object('the file', value);
  if (!isLrSchedulerType(o.type)) j.fail('type', `one of ${LR_SCHEDULER_TYPES.join(', ')}`, o.type);
  return {
    type: o.type as LrSchedulerType,
    base_lr: j.finite('base_lr', o.base_lr),
    warmup_steps: j.integer('warmup_steps', o.warmup_steps),
    total_steps: j.integer('total_steps', o.total_steps),
    last_epoch: j.integer('last_epoch', o.last_epoch),
    last_lr: j.finite('last_lr', o.last_lr),
  };
}

/** data_state.json: where the data loader stands and the batch settings that position depends on. */
export function parseDataState(path: string, value: unknown): DataState {
  const j = new JsonShape(path, value);
  const o = j.object('the file', value);
  return {
    epoch: j.integer('epoch', o.epoch),
    batch_in_epoch: j.integer('batch_in_epoch', o.batch_in_epoch),
    num_examples: j.integer('num_examples', o.num_examples),
    batch_size: j.integer('batch_size', o.batch_size, 1),
    gradient_accumulation_steps: j.integer('gradient_accumulation_steps', o.gradient_accumulation_steps, 1),
    total_loss: j.finite('total_loss', o.total_loss),
  };
}
