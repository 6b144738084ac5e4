// Learning-rate schedules as transformers.optimization get_*_schedule_with_warmup (a LambdaLR multiplier per step).
import { TrainerConfigError } from './errors.js';

/** The learning-rate schedules (transformers' `get_*_schedule_with_warmup`). */
export const LR_SCHEDULER_TYPES = ['linear', 'cosine', 'constant', 'constant_with_warmup'] as const;
/** A learning-rate schedule name. */
export type LrSchedulerType = (typeof LR_SCHEDULER_TYPES)[number];

/** A schedule: its type, base learning rate, warm-up and total steps. */
export interface ScheduleOptions {
  type: LrSchedulerType;
  /** learning rate the multiplier scales (the optimizer's initial lr) */
  baseLr: number;
  warmupSteps: number;
  /** optimizer steps in the whole run (max_steps) */
  totalSteps: number;
  /** cosine only: number of waves; 0.5 (the default) decays from 1 to 0 once */
  numCycles?: number;
}

/**
 * The schedule's multiplier at `step` (0-based: the first optimizer step uses step 0, as LambdaLR does).
 * linear: step/w during warmup, then max(0, (total − step) / max(1, total − w)).
 * cosine: step/w during warmup, then max(0, ½(1 + cos(π · 2·cycles · progress))), progress = (step − w) / max(1, total − w).
 * constant: 1. constant_with_warmup: step/w during warmup, then 1. Warmup divides by max(1, w).
 */
export function lrMultiplier(options: Omit<ScheduleOptions, 'baseLr'>, step: number): number {
  const { type, warmupSteps: w, totalSteps: total, numCycles = 0.5 } = options;
  if (type === 'constant') return 1;
  if (step < w) return step / Math.max(1, w);
  switch (type) {
    case 'constant_with_warmup':
      return 1;
    case 'linear':
      return Math.max(0, (total - step) / Math.max(1, total - w));
    case 'cosine': {
      const progress = (step - w) / Math.max(1, total - w);
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * numCycles * 2 * progress)));
    }
  }
}

/** The learning rate of the optimizer step taken when `step` steps are done (0-based). */
export function learningRateAt(options: ScheduleOptions, step: number): number {
  return options.baseLr * lrMultiplier(options, step);
}

/**
 * TrainingArguments.get_warmup_steps: `warmupSteps` when it is > 0, else ceil(totalSteps · warmupRatio).
 * Throws TrainerConfigError for a negative count or a ratio outside [0, 1].
 */
export function warmupStepsFor(totalSteps: number, warmupSteps = 0, warmupRatio = 0): number {
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
    throw new TrainerConfigError('warmupSteps', `warmupSteps: expected an integer >= 0, got ${warmupSteps}`);
  }
  if (!(warmupRatio >= 0 && warmupRatio <= 1)) {
    throw new TrainerConfigError(
      'warmupRatio',
      `warmupRatio: expected a number in [0, 1], got ${warmupRatio}`,
    );
  }
  return warmupSteps > 0 ? warmupSteps : Math.ceil(totalSteps * warmupRatio);
}

export function isLrSchedulerType(value: unknown): value is LrSchedulerType {
  return (LR_SCHEDULER_TYPES as readonly unknown[]).includes(value);
}
