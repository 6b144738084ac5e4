export type { AdamwOptions, AdamwParamState } from './adamw.js';
export { AdamW } from './adamw.js';
export type { Adamw8bitOptions } from './adamw-8bit.js';
export { AdamW8bit, MIN_8BIT_SIZE } from './adamw-8bit.js';
export { createOptimizer } from './create-optimizer.js';
export type { CollateSettings, StepPlan, StepPlanInput } from './batches.js';
export { checkExamples, epochOrder, planSteps } from './batches.js';
export type {
  CheckpointContents,
  DataState,
  LoadedCheckpoint,
  RngState,
  SaveAdapter,
  SchedulerState,
} from './checkpoint.js';
export { latestCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export type { CheckpointRef } from './checkpoint-io.js';
export { checkpointsToDelete, listCheckpoints } from './checkpoint-io.js';
export { clipFactor, gradSumSquares } from './clip.js';
export type {
  Optimizer,
  OptimizerName,
  OptimizerStateFile,
  SavedOptimizerTensors,
} from './optimizer.js';
export { isOptimizerName, OPTIMIZER_NAMES } from './optimizer.js';
export type { GroupOptions } from './loraplus.js';
export { isLoraplusB, loraplusLrScale } from './loraplus.js';
export type { PackOptions, ParameterGroup } from './parameter-groups.js';
export { packParameters } from './parameter-groups.js';
export type { ResolvedConfig, TrainingConfig } from './config.js';
export { resolveConfig } from './config.js';
export type { BadTensor, TrainingErrorDetails } from './errors.js';
export { CheckpointError, StorageError, TrainerConfigError, TrainingError } from './errors.js';
export type { EvalMetrics } from './evaluate.js';
export { evaluateModel } from './evaluate.js';
export { alternatives, assertFits, formatBytes, largestParts, PART_LABELS } from './memory-fit.js';
export type {
  LinearShape,
  MemoryParts,
  MemoryPlan,
  MemoryPlanInput,
  ModelShapes,
  PlannedOptimizer,
  QuantKind,
  StepBuffers,
} from './memory-plan.js';
export {
  LOAD_ONLY_PARTS,
  logitsChunkBytes,
  MemoryPlanError,
  matchesTarget,
  optimizerStateBytes,
  planMemory,
  quantizedWeightBytes,
} from './memory-plan.js';
export type { MeasuredRun, MeasuredRunSettings } from './memory-plan-measured.js';
export { measuredRunPlanInput } from './memory-plan-measured.js';
export { RUNTIME_BYTES, TOKENIZER_BYTES_PER_TOKEN } from './memory-runtime.js';
export { memoryStorage } from './memory-storage.js';
export type { StepOptions, StepResult, TokenBatch, TrainableModel, TrainExample } from './model.js';
export { nodeStorage } from './node-storage.js';
export type { OpfsDirectory, OpfsFile, OpfsWritable } from './opfs-storage.js';
export { opfsStorage } from './opfs-storage.js';
export type { TrainingRng } from './rng.js';
export { createRng } from './rng.js';
export type { SgdOptions } from './sgd.js';
export { SGD } from './sgd.js';
export type { MetricsEntry } from './run-log.js';
export { LOG_FILE, METRICS_FILE } from './run-log.js';
export type { FolderWriter, RunStorage, StorageContents, StorageEntry } from './run-storage.js';
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
