// Tiny, seeded Hugging Face model folders of each architecture: config.json in the real schema (each architecture
// spec's tinyConfig), and model.safetensors with the exact tensor names (transformers save_pretrained).
// One generator (tinyCheckpointTensors, in memory: a web page builds its model from it) and one sink that writes it.
import { createPrng } from '@lora/core';
import {
  bnbQuantizationConfig,
  quantize4bit,
  quantizedToStateDict,
  type TensorRecord,
} from '@lora/quant-nf4';
import { type TensorInput, writeShardedCheckpoint } from '@lora/safetensors';
import { ARCHITECTURE_SPECS, type TensorSpec } from './architectures/index.js';
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
  /**
   * name tensors as the Hub's older checkpoints do, for an architecture that has such names (GPT-2: without
   * "transformer.", with the attn.bias mask buffers, as the Hub's gpt2 checkpoint); ignored for the others
   */
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
  const arch = ARCHITECTURE_SPECS[architecture];
  const raw: Record<string, unknown> = { ...arch.tinyConfig, torch_dtype: dtype, ...options.overrides };
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
  const normKind = arch.names(config).normKind;
  const storage = { float32: 'F32', bfloat16: 'BF16', float16: 'F16' } as const;
  const legacy = options.legacyGpt2Names === true ? arch.legacyNames : undefined;
  const tensors: Record<string, TensorInput> = {};
  for (const spec of arch.tensors(config)) {
    const name =
      legacy && spec.name.startsWith(legacy.prefix) ? spec.name.slice(legacy.prefix.length) : spec.name;
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
  if (legacy)
    for (const [name, { shape, data }] of Object.entries(legacy.buffers(config)))
      tensors[name] = { dtype: 'F32', shape, data };
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
