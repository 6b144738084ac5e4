export { GenerationConfigError, GenerationError } from './errors.js';
export type { FinishReason, GenerateResult, GenerationModel, OnToken } from './generate.js';
export { generate } from './generate.js';
export type { GenerateOptions, ResolvedGeneration } from './generate-options.js';
export { resolveGenerateOptions } from './generate-options.js';
export type { GenerationConfig } from './generation-config.js';
export { parseGenerationConfig, readGenerationConfig } from './generation-config.js';
export type { LogitsSettings } from './logits-processors.js';
export {
  argmax,
  minPFilter,
  processLogits,
  repetitionPenalty,
  softmax64,
  temperatureScale,
  topKFilter,
  topPFilter,
} from './logits-processors.js';
export { sampleIndex } from './sampling.js';
export type { Decode } from './stop-strings.js';
export { StopStringMatcher } from './stop-strings.js';
