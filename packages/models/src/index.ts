export type { ArchitectureSpec, LoraDefaults, TensorRole, TensorSpec } from './architectures/index.js';
export { ARCHITECTURE_SPECS, architectureSpec, modelNames, tensorSpecs } from './architectures/index.js';
export type { AttentionNames, BatchLayout } from './attention.js';
export type { StepOptions, StepResult, TokenBatch } from './batch.js';
export { checkPositionIds, IGNORE_INDEX, positionsFromMask, shiftedTargets } from './batch.js';
export { CausalLM, STEP_STATS } from './causal-lm.js';
export type { Architecture, ModelConfig, RopeScaling } from './config.js';
export { ARCHITECTURES, parseModelConfig } from './config.js';
export type { DenseLinearOptions } from './dense-linear.js';
export { DenseLinear } from './dense-linear.js';
export { ModelConfigError, ModelInputError, ModelLoadError } from './errors.js';
export type { ExportedTensor } from './export-weights.js';
export type {
  Decode,
  FinishReason,
  GenerateOptions,
  GenerateResult,
  GenerationConfig,
  GenerationModel,
  LogitsSettings,
  OnToken,
  ResolvedGeneration,
} from './generation/index.js';
export {
  argmax,
  GenerationConfigError,
  GenerationError,
  generate,
  minPFilter,
  parseGenerationConfig,
  processLogits,
  readGenerationConfig,
  repetitionPenalty,
  resolveGenerateOptions,
  StopStringMatcher,
  sampleIndex,
  softmax64,
  temperatureScale,
  topKFilter,
  topPFilter,
} from './generation/index.js';
export { KvCache } from './kv-cache.js';
export type { LinearMemoryShape, MemoryShapes, StepBufferShapes } from './memory-shapes.js';
export { memoryShapes } from './memory-shapes.js';
export { readModelConfig } from './load.js';
export { ropeInvFreq } from './rope.js';
export type { SaveDtype, SaveOptions } from './save.js';
export type { Segment } from './segments.js';
export type { TinyCheckpoint, TinyCheckpointOptions, TinyCheckpointTensors } from './tiny-checkpoint.js';
export { tinyCheckpointTensors, writeTinyCheckpoint } from './tiny-checkpoint.js';
export type { LoadOptions, QuantizeOnLoad } from './weights.js';
export { DEFAULT_VOCAB_CHUNK } from './weights.js';
