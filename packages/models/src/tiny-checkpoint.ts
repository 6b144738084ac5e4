// Tiny, seeded Hugging Face model folders of each architecture: config.json in the real schema of TinyLlama /
// Llama 3.2, Qwen2.5, GPT-2 and Gemma, and model.safetensors with the exact tensor names (transformers save_pretrained).
// One generator (tinyCheckpointTensors, in memory: a web page builds its model from it) and one sink that writes it.
import { createPrng } from '@lora/core';
import {
  bnbQuantizationConfig,
  quantize4bit,
  quantizedToStateDict,
  type TensorRecord,
} from '@lora/quant-nf4';
import { type TensorInput, writeShardedCheckpoint } from '@lora/safetensors';
import { type TensorSpec, tensorSpecs } from './architectures.js';
import { type Architecture, type ModelConfig, parseModelConfig } from './config.js';
import { nodeFs } from './node-fs.js';
import { writeFileAtomic } from './save.js';
import { linearShape, transpose2d } from './weights.js';

/** Options of `writeTinyCheckpoint` and `tinyCheckpointTensors`: dtype, seed, config overrides. */
export interface TinyCheckpointOptions {
  /** dtype on disk; float32 by default */
  dtype?: 'float32' | 'bfloat16' | 'float16';
  /** weight seed; 0 by default */
  seed?: number;
  /** split into model-0000i-of-0000N.safetensors + index when the tensors exceed this many bytes */
  maxShardBytes?: number;
  /** config.json keys to set or override (e.g. { rope_scaling: null }); applied before the tensors are laid out */
  overrides?: Record<string, unknown>;
  /** GPT-2 only: name tensors without "transformer." and add the attn.bias mask buffers, as the Hub's gpt2 checkpoint */
  legacyGpt2Names?: boolean;
  /** write the linears as a bitsandbytes 4-bit checkpoint (with quantization_config in config.json) */
  quantize?: { quantType: 'nf4' | 'fp4'; doubleQuant: boolean; blocksize?: number };
}

/** What a tiny checkpoint is made of, before anything is written. */
export interface TinyCheckpointTensors {
  /** the config.json object */
  config: Record<string, unknown>;
  /** that object parsed */
  modelConfig: ModelConfig;
  /**
   * every tensor by its checkpoint name, as writeSafetensors takes them: dense weights as Float32Array (rounded to
   * BF16/F16 only when serialized, for those dtypes), 4-bit linears as bitsandbytes' state-dict records
   */
  tensors: Record<string, TensorInput>;
}

/** What `writeTinyCheckpoint` wrote: the folder and its config. */
export interface TinyCheckpoint {
  dir: string;
  /** the config.json object written */
  config: Record<string, unknown>;
  /** the safetensors files written (and the index when sharded), relative to dir */
  files: string[];
}

const BASE: Record<Architecture, Record<string, unknown>> = {
  llama: {
    architectures: ['LlamaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 1,
    eos_token_id: [2, 3],
    head_dim: 8,
    hidden_act: 'silu',
    hidden_size: 32,
    initializer_range: 0.02,
    intermediate_size: 64,
    max_position_embeddings: 256,
    mlp_bias: false,
    model_type: 'llama',
    num_attention_heads: 4,
    num_hidden_layers: 2,
    num_key_value_heads: 2,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_scaling: {
      factor: 8.0,
      high_freq_factor: 4.0,
      low_freq_factor: 1.0,
      original_max_position_embeddings: 64,
      rope_type: 'llama3',
    },
    rope_theta: 10000.0,
    tie_word_embeddings: false,
    transformers_version: '4.45.0',
    use_cache: true,
    vocab_size: 128,
  },
  qwen2: {
    architectures: ['Qwen2ForCausalLM'],
    attention_dropout: 0.0,
    bos_token_id: 120,
    eos_token_id: 121,
    hidden_act: 'silu',
    hidden_size: 32,
    initializer_range: 0.02,
    intermediate_size: 64,
    max_position_embeddings: 256,
    max_window_layers: 2,
    model_type: 'qwen2',
    num_attention_heads: 4,
    num_hidden_layers: 2,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-6,
    rope_scaling: null,
    rope_theta: 1000000.0,
    sliding_window: 256,
    tie_word_embeddings: true,
    transformers_version: '4.49.0',
    use_cache: true,
    use_sliding_window: false,
    vocab_size: 128,
  },
  gpt2: {
    activation_function: 'gelu_new',
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: 0.1,
    bos_token_id: 127,
    embd_pdrop: 0.1,
    eos_token_id: 127,
    initializer_range: 0.02,
    layer_norm_epsilon: 1e-5,
    model_type: 'gpt2',
    n_ctx: 64,
    n_embd: 32,
    n_head: 4,
    n_inner: null,
    n_layer: 2,
    n_positions: 64,
    resid_pdrop: 0.1,
    summary_activation: null,
    summary_first_dropout: 0.1,
    summary_proj_to_labels: true,
    summary_type: 'cls_index',
    summary_use_proj: true,
    transformers_version: '4.49.0',
    use_cache: true,
    vocab_size: 128,
  },
  gemma: {
    architectures: ['GemmaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 2,
    eos_token_id: 1,
    head_dim: 16,
    hidden_act: 'gelu',
    hidden_activation: 'gelu_pytorch_tanh',
    hidden_size: 32,
    initializer_range: 0.02,
    intermediate_size: 64,
    max_position_embeddings: 256,
    model_type: 'gemma',
    num_attention_heads: 4,
    num_hidden_layers: 2,
    num_key_value_heads: 1,
    pad_token_id: 0,
    rms_norm_eps: 1e-6,
    rope_scaling: null,
    rope_theta: 10000.0,
    transformers_version: '4.49.0',
    use_cache: true,
    vocab_size: 128,
  },
};

/** Seeded values of one tensor in its stored layout: N(0, 1)·std + mean. */
function values(spec: TensorSpec, rng: () => number, normKind: string): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  let std = 0.1;
  let mean = 0;
  if (spec.role === 'embedding') std = 0.3;
  if (spec.role === 'linear' && spec.kind === 'weight') std = 1 / Math.sqrt(linearShape(spec)[1]);
  if (spec.role === 'lm_head') std = 1 / Math.sqrt(spec.shape[1]!);
  if (spec.role === 'norm' && spec.kind === 'weight' && normKind !== 'rms1p') mean = 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(rng(), 1e-12);
    out[i] = mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng()); // Box-Muller
  }
  return out;
}

/**
 * The config and seeded tensors of a tiny `architecture` model, in memory. Deterministic for a seed on every platform;
 * writeTinyCheckpoint writes exactly these. Throws ModelConfigError when `overrides` make an invalid config.
 */
export function tinyCheckpointTensors(
  architecture: Architecture,
  options: Omit<TinyCheckpointOptions, 'maxShardBytes'> = {},
  source = `tiny ${architecture} config.json`,
): TinyCheckpointTensors {
  const dtype = options.dtype ?? 'float32';
  const raw: Record<string, unknown> = { ...BASE[architecture], torch_dtype: dtype, ...options.overrides };
  if (options.quantize) {
    raw.quantization_config = bnbQuantizationConfig({
      quantType: options.quantize.quantType,
      doubleQuant: options.quantize.doubleQuant,
      computeDtype: 'float32',
      skipModules: null,
    });
  }
  const config = parseModelConfig(raw, source);
  const rng = createPrng(options.seed ?? 0).next;
  const normKind = architecture === 'gemma' ? 'rms1p' : 'rms';
  const storage = { float32: 'F32', bfloat16: 'BF16', float16: 'F16' } as const;
  const legacy = architecture === 'gpt2' && options.legacyGpt2Names === true;
  const tensors: Record<string, TensorInput> = {};
  for (const spec of tensorSpecs(config)) {
    const name = legacy ? spec.name.replace(/^transformer\./, '') : spec.name;
    const data = values(spec, rng, normKind);
    if (options.quantize && spec.role === 'linear' && spec.kind === 'weight') {
      const [outF, inF] = linearShape(spec);
      const dense = spec.conv1d ? transpose2d(data, inF, outF) : data; // bitsandbytes stores Conv1D weights as (out, in)
      const q = quantize4bit(dense, [outF, inF], { ...options.quantize, dtype });
      for (const [key, record] of Object.entries(
        quantizedToStateDict(name, q) as Record<string, TensorRecord>,
      ))
        tensors[key] = record;
      continue;
    }
    tensors[name] = { dtype: storage[dtype], shape: spec.shape, data };
  }
  if (legacy) {
    const P = config.maxPositions;
    const mask = new Float32Array(P * P).map((_, i) => (i % P <= Math.floor(i / P) ? 1 : 0));
    for (let i = 0; i < config.numLayers; i++)
      tensors[`h.${i}.attn.bias`] = { dtype: 'F32', shape: [1, 1, P, P], data: mask };
  }
  return { config: raw, modelConfig: config, tensors };
}

/** Writes a tiny model folder of `architecture` into `dir` (created when missing). Deterministic for a seed. */
export async function writeTinyCheckpoint(
  dir: string,
  architecture: Architecture,
  options: TinyCheckpointOptions = {},
): Promise<TinyCheckpoint> {
  const { fs, path } = await nodeFs(dir);
  const { config, tensors } = tinyCheckpointTensors(architecture, options, path.join(dir, 'config.json'));
  await fs.mkdir(dir, { recursive: true });
  const { files } = await writeShardedCheckpoint(dir, tensors, {
    metadata: { format: 'pt' },
    maxShardBytes: options.maxShardBytes,
    fsync: false,
  });
  await writeFileAtomic(path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return { dir, config, files };
}
