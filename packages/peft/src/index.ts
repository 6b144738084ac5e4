export type { BaseInit, BaseInitResult } from './base-init.js';
export { initFromWeight, isBaseInit } from './base-init.js';
export type { AdapterTensor } from './convert-to-lora.js';
export { convertToLora } from './convert-to-lora.js';
export type { LoraBias, LoraConfig, LoraInit } from './config.js';
export {
  isTrainableInit,
  LORA_CONFIG_DEFAULTS,
  LORA_CONFIG_KEYS,
  loraConfig,
  loraScaling,
  PEFT_VERSION,
  UNSUPPORTED_FIELDS,
  validateLoraConfig,
} from './config.js';
export {
  ADAPTER_CONFIG_NAME,
  adapterConfigJson,
  parseAdapterConfig,
  readAdapterConfig,
  writeAdapterConfig,
} from './config-json.js';
export type { DoraCache, DoraWeights } from './dora.js';
export { doraBackward, doraForward, doraWeightNorm } from './dora.js';
export type { AdapterProblem, AdapterProblemKind } from './errors.js';
export {
  AdapterFormatError,
  AdapterMismatchError,
  LoraConfigError,
  MergeError,
  MlxFormatError,
  TargetModulesError,
} from './errors.js';
export { FrozenLinear } from './frozen-linear.js';
export type { Uniform } from './init.js';
export { initLoraWeights, kaimingUniform, normalInit } from './init.js';
export type { LoraLinearOptions } from './lora-linear.js';
export { LoraLinear, PEFT_PREFIX } from './lora-linear.js';
export { LoraScratch } from './buffers.js';
export type { LoraVariant, VariantForward, VariantGradient } from './variants/variant.js';
export { LoraVariantDora } from './variants/dora.js';
export { LoraVariantPlain } from './variants/lora.js';
export type { InjectOptions, TrainableCount } from './lora-model.js';
export { injectLora, LoraModel, modelParameters } from './lora-model.js';
export type { MergeAndUnloadOptions, MergeAndUnloadResult, MergedModule, MergedTensor } from './merge.js';
export { mergeAndUnload } from './merge.js';
export { loadMlxAdapter, MLX_ADAPTER_WEIGHTS_NAME, mlxModuleName, saveMlxAdapter } from './mlx.js';
export type { LoadAdapterOptions, SaveAdapterOptions } from './save-load.js';
export { ADAPTER_WEIGHTS_NAME, adapterStateDict, loadAdapter, saveAdapter } from './save-load.js';
export type { AdapterDefaults, TargetPlan, TargetPlanOptions } from './targets.js';
export {
  adapterDefaultsOf,
  checkTargetModuleExists,
  findMinimalTargetModules,
  getPatternKey,
  planTargets,
  rankAndAlpha,
} from './targets.js';
