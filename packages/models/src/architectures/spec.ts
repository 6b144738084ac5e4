// What an architecture is, in one object per architecture (transformers.js models/<name>/): its config.json fields,
// Hugging Face tensor names and stored shapes, norm, activation, positions, embedding scale, PEFT's defaults and a
// tiny checkpoint's config. Everything else reads the spec of a config (architectureSpec) and never its name.

import type { AttentionNames } from '../attention.js';
import type { ModelConfig } from '../config.js';
import type { Activation, MlpNames } from '../mlp.js';
import type { NormKind } from '../norm.js';
import type { ConfigReader } from './config-reader.js';

/** What a checkpoint tensor is: an embedding, position table, norm, linear weight or the output head. */
export type TensorRole = 'embedding' | 'positions' | 'norm' | 'linear' | 'lm_head';

/** One tensor an architecture reads from a checkpoint: its Hugging Face name, stored shape and role. */
export interface TensorSpec {
  /** Hugging Face state-dict name, e.g. "model.layers.0.self_attn.q_proj.weight" */
  name: string;
  /** the shape as stored in the checkpoint (GPT-2 Conv1D weights are [in, out]) */
  shape: number[];
  role: TensorRole;
  /** for linear weights and biases: the module name, e.g. "model.layers.0.self_attn.q_proj" */
  module?: string;
  /** stored [in, out] (transformers Conv1D): transposed to (out, in) on load and back on export */
  conv1d?: boolean;
  /** "weight" or "bias" */
  kind: 'weight' | 'bias';
}

/**
 * The module names of one decoder layer: its two pre-norms (before attention, before the MLP), attention projections
 * (split or fused) and MLP, and Gemma 2's post-norms of the attention and MLP outputs when it has them.
 */
export interface LayerNames {
  prefix: string;
  norm1: string;
  norm2: string;
  /** a norm of the attention output before the residual add (Gemma 2's post_attention_layernorm) */
  postAttentionNorm?: string;
  /** a norm of the MLP output before the residual add (Gemma 2's post_feedforward_layernorm) */
  postMlpNorm?: string;
  attention: AttentionNames;
  mlp: MlpNames;
}

/** The tensor and module names of a whole model. */
export interface ModelNames {
  embed: string;
  /** the learned position table, when the architecture has one */
  positions?: string;
  finalNorm: string;
  /** undefined when the output embedding is tied to `embed` */
  lmHead?: string;
  normKind: NormKind;
  layers: LayerNames[];
}

/** The fields of ModelConfig an architecture's parseConfig reads (the rest are common to all). */
export type ArchitectureFields = Omit<
  ModelConfig,
  'architecture' | 'raw' | 'bosTokenId' | 'eosTokenIds' | 'padTokenId'
>;

/** PEFT's and mlx-lm's defaults for an architecture's adapters. */
export interface LoraDefaults {
  /**
   * PEFT's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING entry, used when target_modules is null; empty when
   * PEFT has none (then target_modules must be given)
   */
  targetModules: readonly string[];
  /** the linears are transformers Conv1D ([in, out]): PEFT saves fan_in_fan_out = true */
  fanInFanOut: boolean;
  /** mlx-lm's default lora_parameters.keys (module names inside a layer) */
  mlxKeys: readonly string[];
}

/** Tensors the Hub's older checkpoints store under names without `prefix` (GPT-2's "transformer."), plus buffers. */
export interface LegacyNames {
  prefix: string;
  /** extra non-parameter tensors such checkpoints carry (GPT-2's attn.bias causal masks), by legacy name */
  buffers(config: ModelConfig): Record<string, { shape: number[]; data: Float32Array }>;
}

/** One architecture: how to read its config, name and shape its tensors, build its layers and write a tiny one. */
export interface ArchitectureSpec {
  /** config.json's model_type */
  readonly modelType: string;
  /** the transformers classes it follows, e.g. "LlamaForCausalLM (modeling_llama.py)" */
  readonly reference: string;
  /** config.json's architecture fields and their defaults; throws ModelConfigError naming the key */
  parseConfig(r: ConfigReader): ArchitectureFields;
  /** the Hugging Face tensor and module names of a model, layer by layer */
  names(config: ModelConfig): ModelNames;
  /** every tensor the checkpoint must hold, in state-dict order, with its stored shape */
  tensors(config: ModelConfig): TensorSpec[];
  readonly activation: Activation;
  /** rotary q/k (variant and scaling from the config), or a learned table that bounds the sequence length */
  readonly positions: 'rope' | 'learned';
  /** what the input embedding is multiplied by (Gemma's √hidden, in float32), or undefined */
  embedScale(config: ModelConfig): number | undefined;
  readonly legacyNames?: LegacyNames;
  readonly lora: LoraDefaults;
  /** config.json of a tiny seeded checkpoint (tiny-checkpoint.ts) in the real schema */
  readonly tinyConfig: Readonly<Record<string, unknown>>;
}
