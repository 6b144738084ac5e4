export type { AdamwOptions, AdamwParamState } from './adamw.js';
export { AdamW } from './adamw.js';
export type { CollateSettings, StepPlan, StepPlanInput } from './batches.js';
export { checkExamples, epochOrder, planSteps } from './batches.js';
export type {
  CheckpointContents,
  DataState,
  LoadedCheckpoint,
  RngState,
  SchedulerState,
} from './checkpoint.js';
export { latestCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export {
  checkpointsToDelete,
  listCheckpoints,
  removeStaleTemps,
  writeFolderAtomic,
} from './checkpoint-io.js';
export { clipFactor, gradSumSquares } from './clip.js';
export type { ParameterGroup } from './parameter-groups.js';
export { packParameters } from './parameter-groups.js';
export type { ResolvedConfig, TrainingConfig } from './config.js';
export { resolveConfig } from './config.js';
export type { BadTensor, TrainingErrorDetails } from './errors.js';
export { CheckpointError, TrainerConfigError, TrainingError } from './errors.js';
export type { EvalMetrics } from './evaluate.js';
export { evaluateModel } from './evaluate.js';
export { alternatives, assertFits, formatBytes } from './memory-fit.js';
export type {
  LoraTargetModule,
  MemoryParts,
  MemoryPlan,
  MemoryPlanInput,
  ModelDims,
  QuantKind,
} from './memory-plan.js';
export {
  LORA_TARGET_MODULES,
  layerLinearShapes,
  logitsChunkBytes,
  MemoryPlanError,
  planMemory,
  quantizedWeightBytes,
} from './memory-plan.js';
export type { StepOptions, StepResult, TokenBatch, TrainableModel, TrainExample } from './model.js';
export type { TrainingRng } from './rng.js';
export { createRng } from './rng.js';
export type { MetricsEntry } from './run-log.js';
export { LOG_FILE, METRICS_FILE } from './run-log.js';
export type { LrSchedulerType, ScheduleOptions } from './schedule.js';
export { LR_SCHEDULER_TYPES, learningRateAt, lrMultiplier, warmupStepsFor } from './schedule.js';
export type { ToyLMConfig, ToyParameterName, ToyStepBytes } from './toy-model.js';
export { TOY_PARAMETER_NAMES, ToyLM } from './toy-model.js';
export type { StepOutcome, StepSettings } from './train-step.js';
export { optimizerStep, zeroGrads } from './train-step.js';
export { Trainer } from './trainer.js';
export type { LogHistoryEntry, TrainerState } from './trainer-state.js';
export { parseTrainerState, serializeTrainerState } from './trainer-state.js';
export type { ProgressEvent, TrainerOptions, TrainResult } from './trainer-types.js';
