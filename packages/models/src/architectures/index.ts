// The architectures this package runs, one spec each in its own folder, and the lookups everything else uses.
import type { ModelConfig } from '../config.js';
import { gemma } from './gemma/index.js';
import { gemma2 } from './gemma2/index.js';
import { gpt2 } from './gpt2/index.js';
import { llama } from './llama/index.js';
import { mistral } from './mistral/index.js';
import { phi3 } from './phi3/index.js';
import { qwen2 } from './qwen2/index.js';
import type { ArchitectureSpec, ModelNames, TensorSpec } from './spec.js';

/** config.json model_type of each architecture this package runs. */
export type Architecture = 'llama' | 'qwen2' | 'gpt2' | 'gemma' | 'mistral' | 'phi3' | 'gemma2';

/** Every architecture's spec, by model_type. Adding one is a folder and a line here. */
export const ARCHITECTURE_SPECS: Readonly<Record<Architecture, ArchitectureSpec>> = Object.freeze({
  llama,
  qwen2,
  gpt2,
  gemma,
  mistral,
  phi3,
  gemma2,
});

/** Every architecture this package runs. */
export const ARCHITECTURES = Object.keys(ARCHITECTURE_SPECS) as readonly Architecture[];

/** The spec of a model_type, or undefined for one this package does not run. */
export function findArchitecture(modelType: unknown): ArchitectureSpec | undefined {
  return typeof modelType === 'string' && Object.hasOwn(ARCHITECTURE_SPECS, modelType)
    ? ARCHITECTURE_SPECS[modelType as Architecture]
    : undefined;
}

/** The spec of a parsed config's architecture. */
export function architectureSpec(config: Pick<ModelConfig, 'architecture'>): ArchitectureSpec {
  return ARCHITECTURE_SPECS[config.architecture];
}

/** The Hugging Face tensor and module names of a model, layer by layer, for its architecture. */
export function modelNames(config: ModelConfig): ModelNames {
  return architectureSpec(config).names(config);
}

/** Every tensor the checkpoint must hold, in state-dict order, with its stored shape. */
export function tensorSpecs(config: ModelConfig): TensorSpec[] {
  return architectureSpec(config).tensors(config);
}

/**
 * How a checkpoint names the model's tensors: as the specs do, or, for an architecture whose older Hub checkpoints
 * leave a prefix off (GPT-2's "transformer."), without it when the checkpoint holds the embedding only that way.
 */
export function checkpointNaming(
  config: ModelConfig,
  has: (name: string) => boolean,
): (name: string) => string {
  const legacy = architectureSpec(config).legacyNames;
  if (!legacy) return (name) => name;
  const embed = modelNames(config).embed;
  const strip = (name: string) => (name.startsWith(legacy.prefix) ? name.slice(legacy.prefix.length) : name);
  return !has(embed) && has(strip(embed)) ? strip : (name) => name;
}

export type {
  ArchitectureSpec,
  LayerNames,
  LoraDefaults,
  ModelNames,
  TensorRole,
  TensorSpec,
} from './spec.js';
