// Loading a Hugging Face model folder (transformers from_pretrained): config.json + model.safetensors or a sharded
// index, bf16/f16/f32 read as f32, bitsandbytes 4-bit linears kept 4-bit, optional quantization while loading.
import {
  isQuantizedWeight,
  parseBnbQuantizationConfig,
  type QuantizedTensor,
  quantizedFromStateDict,
  type StorageDtype,
  type TensorRecord,
} from '@lora/quant-nf4';
import { openCheckpoint, type SafetensorsCheckpoint } from '@lora/safetensors';
import { checkpointNaming, type TensorSpec, tensorSpecs } from './architectures/index.js';
import { type ModelConfig, parseModelConfig } from './config.js';
import { ModelConfigError, ModelLoadError } from './errors.js';
import { nodeFs } from './node-fs.js';
import { readOneAhead } from './read-ahead.js';
import {
  checkFiniteWeight,
  type LoadOptions,
  linearShape,
  type PreparedWeight,
  prepareDense,
  sameShape,
  shouldQuantize,
  showShape,
} from './weights.js';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Read and parse `config.json` of a model folder; throws ModelConfigError or ModelLoadError naming the file. */
export async function readModelConfig(dir: string): Promise<ModelConfig> {
  const { fs, path: p } = await nodeFs(dir);
  const path = p.join(dir, 'config.json');
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (cause) {
    throw new ModelLoadError(`${path}: cannot read the model config: ${message(cause)}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ModelConfigError(`${path}: expected JSON, got ${message(cause)}`, { cause });
  }
  const config = parseModelConfig(json, path);
  try {
    parseBnbQuantizationConfig(config.raw.quantization_config, path);
  } catch (cause) {
    throw new ModelConfigError(message(cause), { cause });
  }
  return config;
}

const STORAGE: Record<string, StorageDtype> = {
  BF16: 'bfloat16',
  F16: 'float16',
  F32: 'float32',
  F64: 'float32',
};

async function readQuantized(
  ckpt: SafetensorsCheckpoint,
  name: string,
  file: string,
): Promise<QuantizedTensor> {
  const records = new Map<string, TensorRecord>();
  const suffixes = [
    '',
    '.quant_map',
    '.absmax',
    '.nested_absmax',
    '.nested_quant_map',
    '.quant_state.bitsandbytes__nf4',
    '.quant_state.bitsandbytes__fp4',
  ];
  for (const key of suffixes.map((s) => name + s)) {
    if (!ckpt.has(key)) continue;
    const info = ckpt.info(key);
    const data = info.dtype === 'F32' ? await ckpt.readF32(key) : await ckpt.readRaw(key);
    if (data instanceof Float32Array) checkFiniteWeight(data, ckpt.fileOf(key), key); // absmax, code tables
    records.set(key, { dtype: info.dtype as TensorRecord['dtype'], shape: info.shape, data });
  }
  try {
    return quantizedFromStateDict(name, (key) => records.get(key), file);
  } catch (cause) {
    throw new ModelLoadError(message(cause), { cause });
  }
}

/** A tensor as read from the checkpoint: a stored 4-bit weight, or dense values (f32) with their stored dtype. */
type StoredTensor =
  | { quantized: QuantizedTensor }
  | { dense: Float32Array; file: string; dtype: StorageDtype };

/** Whether `spec`'s values are read straight into LoadOptions.memory (a wasm kernel may move that memory meanwhile). */
function readsIntoMemory(spec: TensorSpec, options: LoadOptions): boolean {
  return options.memory !== undefined && !spec.conv1d && !shouldQuantize(spec, options.quantize);
}

async function readTensor(
  ckpt: SafetensorsCheckpoint,
  spec: TensorSpec,
  name: string,
  options: LoadOptions,
  where: string,
): Promise<StoredTensor> {
  const has = (key: string) => ckpt.has(key);
  if (spec.role === 'linear' && spec.kind === 'weight' && isQuantizedWeight(name, has)) {
    const file = ckpt.fileOf(name);
    const q = await readQuantized(ckpt, name, file);
    if (!sameShape(q.shape, linearShape(spec))) {
      throw new ModelLoadError(
        `${file}: tensor "${name}": 4-bit weight shape expected ${showShape(linearShape(spec))}, got ${showShape(q.shape)}`,
      );
    }
    return { quantized: q };
  }
  if (!has(name))
    throw new ModelLoadError(`${where}: missing tensor "${name}" (expected shape ${showShape(spec.shape)})`);
  const file = ckpt.fileOf(name);
  const info = ckpt.info(name);
  if (!sameShape(info.shape, spec.shape)) {
    throw new ModelLoadError(
      `${file}: tensor "${name}": shape expected ${showShape(spec.shape)}, got ${showShape(info.shape)}`,
    );
  }
  const dtype = STORAGE[info.dtype];
  if (!dtype)
    throw new ModelLoadError(
      `${file}: tensor "${name}": dtype expected F32, BF16, F16 or F64, got ${info.dtype}`,
    );
  try {
    const dense = readsIntoMemory(spec, options)
      ? await ckpt.readF32Into(name, options.memory!.f32(info.elements) as Float32Array)
      : await ckpt.readF32(name);
    return { dense, file, dtype };
  } catch (cause) {
    throw new ModelLoadError(`${file}: tensor "${name}": cannot read: ${message(cause)}`, { cause });
  }
}

/** A read tensor in the model's layout: checked, transposed when Conv1D, quantized when asked (prepareDense). */
function prepareTensor(spec: TensorSpec, stored: StoredTensor, options: LoadOptions): PreparedWeight {
  if ('quantized' in stored) return stored.quantized;
  return prepareDense(spec, stored.dense, stored.file, options.quantize, stored.dtype);
}

/**
 * The config and every weight of the checkpoint in `dir`, in the model's layout. Each tensor is read once, and at
 * most one ahead of the one being prepared (readOneAhead): tensor i + 1 comes off the disk while tensor i is
 * quantized (on the wasm backend, on its worker threads), so the load holds its result plus about two tensors.
 */
export async function loadCheckpoint(
  dir: string,
  options: LoadOptions,
): Promise<{ config: ModelConfig; weights: Map<string, PreparedWeight> }> {
  const config = await readModelConfig(dir);
  if (options.memory && !options.memory.host)
    throw new ModelLoadError(
      `${dir}: LoadOptions.memory: expected a host-addressable memory (the wasm backend's), got "${options.memory.name}" memory; load, then move the model with useMemory`,
    );
  let ckpt: SafetensorsCheckpoint;
  try {
    ckpt = await openCheckpoint(dir);
  } catch (cause) {
    throw new ModelLoadError(`${dir}: cannot open the safetensors checkpoint: ${message(cause)}`, { cause });
  }
  const where = ckpt.indexPath ?? ckpt.files[0] ?? dir;
  const weights = new Map<string, PreparedWeight>();
  try {
    const nameOf = checkpointNaming(config, (key) => ckpt.has(key)); // e.g. the Hub's "gpt2" omits "transformer."
    const specs = tensorSpecs(config);
    await readOneAhead(
      specs.length,
      (i) => readTensor(ckpt, specs[i]!, nameOf(specs[i]!.name), options, where),
      (i, stored) => weights.set(specs[i]!.name, prepareTensor(specs[i]!, stored, options)),
      // a read into the backend's memory waits: a kernel may grow (and so move) that memory while preparing one
      (i) => !readsIntoMemory(specs[i]!, options),
    );
  } finally {
    await ckpt.close();
  }
  return { config, weights };
}
