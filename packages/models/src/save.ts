// Writing a Hugging Face model folder (save_pretrained): config.json and model.safetensors (or shards + index),
// each file written atomically (@lora/files: a temp name, fsync, rename).
import { FilesError, writeFileAtomic as writeAtomic } from '@lora/files';
import { type TensorInput, writeShardedCheckpoint } from '@lora/safetensors';
import { ModelLoadError } from './errors.js';
import type { ExportedTensor } from './export-weights.js';
import { nodeFs } from './node-fs.js';

/** The dtype weights are saved in. */
export type SaveDtype = 'float32' | 'bfloat16' | 'float16';

const SAFETENSORS_DTYPE = { float32: 'F32', bfloat16: 'BF16', float16: 'F16' } as const;

/** Writes `text` to `path` atomically (@lora/files: temp file in the same folder, fsync, rename). */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await nodeFs(path); // without Node: this package's own error
  try {
    await writeAtomic(path, text);
  } catch (cause) {
    const detail =
      cause instanceof FilesError
        ? `expected ${cause.expected}, got ${cause.found}`
        : cause instanceof Error
          ? cause.message
          : String(cause);
    throw new ModelLoadError(`${path}: cannot write: ${detail}`, { cause });
  }
}

/** The config.json of a saved dense model: the original keys, the new dtype, no quantization_config. */
export function savedConfig(raw: Record<string, unknown>, dtype: SaveDtype): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  delete out.quantization_config;
  if ('dtype' in raw)
    out.dtype = dtype; // transformers 5 schema
  else out.torch_dtype = dtype;
  return out;
}

/** Options of `CausalLM.save`: the dtype on disk and the shard size. */
export interface SaveOptions {
  /** dtype on disk (float32 by default) */
  dtype?: SaveDtype;
  /** shard size in bytes (5e9 by default, as save_pretrained's "5GB") */
  maxShardBytes?: number;
}

export async function saveCheckpoint(
  dir: string,
  raw: Record<string, unknown>,
  weights: Map<string, ExportedTensor>,
  options: SaveOptions,
): Promise<void> {
  const dtype = options.dtype ?? 'float32';
  const { fs, path } = await nodeFs(dir);
  await fs.mkdir(dir, { recursive: true });
  const tensors: Record<string, TensorInput> = {};
  for (const [name, t] of weights)
    tensors[name] = { dtype: SAFETENSORS_DTYPE[dtype], shape: t.shape, data: t.data };
  await writeShardedCheckpoint(dir, tensors, {
    metadata: { format: 'pt' },
    maxShardBytes: options.maxShardBytes,
  });
  await writeFileAtomic(
    path.join(dir, 'config.json'),
    `${JSON.stringify(savedConfig(raw, dtype), null, 2)}\n`,
  );
}
