// Sharded checkpoints as transformers' save_pretrained writes them (huggingface_hub split_state_dict_into_shards_factory).
import { pythonJsonDumps } from '@lora/files';
import { SAFE_WEIGHTS_INDEX_NAME, SAFE_WEIGHTS_NAME } from './checkpoint.js';
import { ioError, SafetensorsError } from './errors.js';
import { nodeFs } from './node-fs.js';
import { prepareSafetensors, type TensorInput, type TensorInputs } from './serialize.js';
import { type WriteOptions, writeFileAtomic, writeSafetensors } from './write.js';

/** huggingface_hub's default max_shard_size ("5GB"). */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;

/** How tensors are split into shard files, with the total size. */
export interface ShardPlan {
  /** file name -> tensor names, in shard order */
  shards: { file: string; tensors: string[] }[];
  totalSize: number;
  totalParameters: number;
}

/**
 * Split tensors (in key order) into shards of at most `maxShardBytes`, as huggingface_hub does: a tensor that
 * would tip the current shard over starts a new one; a tensor larger than the limit gets a shard of its own.
 */
export function planShards(
  sizes: readonly { name: string; bytes: number; elements: number }[],
  maxShardBytes: number,
): ShardPlan {
  const groups: string[][] = [];
  let current: string[] = [];
  let currentSize = 0;
  let totalSize = 0;
  let totalParameters = 0;
  for (const { name, bytes, elements } of sizes) {
    totalSize += bytes;
    totalParameters += elements;
    if (bytes > maxShardBytes) {
      groups.push([name]);
      continue;
    }
    if (currentSize + bytes > maxShardBytes) {
      groups.push(current);
      current = [];
      currentSize = 0;
    }
    current.push(name);
    currentSize += bytes;
  }
  if (current.length > 0 || groups.length === 0) groups.push(current);
  const n = groups.length;
  const pad = (i: number) => String(i).padStart(5, '0');
  const shards = groups.map((tensors, i) => ({
    file: n === 1 ? SAFE_WEIGHTS_NAME : `model-${pad(i + 1)}-of-${pad(n)}.safetensors`,
    tensors,
  }));
  return { shards, totalSize, totalParameters };
}

/** Options of `writeShardedCheckpoint`: shard size and metadata. */
export interface ShardedWriteOptions extends Omit<WriteOptions, 'onProgress'> {
  /** bytes per shard (default 5e9, as huggingface_hub) */
  maxShardBytes?: number;
  /** __metadata__ of every shard (default { format: 'pt' }, as save_pretrained) */
  metadata?: Readonly<Record<string, string>>;
}

/** What `writeShardedCheckpoint` wrote. */
export interface ShardedWriteResult {
  /** the files written, relative to dir: the shards, then the index when there is one */
  files: string[];
  plan: ShardPlan;
}

const SHARD_FILE = /^model-\d{5}-of-\d{5}\.safetensors$/;

/**
 * Write `tensors` to `dir` as save_pretrained does: one `model.safetensors` when everything fits in a shard,
 * else `model-0000i-of-0000N.safetensors` files plus `model.safetensors.index.json` (metadata.total_size,
 * metadata.total_parameters, weight_map). Each file is written atomically, the index last; afterwards files of an
 * earlier save that the new checkpoint does not use (other shard files, and a stale single file or index) are removed.
 */
export async function writeShardedCheckpoint(
  dir: string,
  tensors: TensorInputs,
  options: ShardedWriteOptions = {},
): Promise<ShardedWriteResult> {
  const { maxShardBytes = DEFAULT_MAX_SHARD_BYTES, metadata = { format: 'pt' } } = options;
  if (!Number.isSafeInteger(maxShardBytes) || maxShardBytes <= 0) {
    throw new SafetensorsError(
      'InvalidTensor',
      dir,
      `maxShardBytes: expected a positive integer, got ${maxShardBytes}`,
    );
  }
  // validates every tensor once, and gives the output sizes (after any f32 -> f16/bf16 conversion)
  const { tensors: prepared } = prepareSafetensors(tensors, metadata, dir);
  const byName = new Map(prepared.map((t) => [t.name, t]));
  const sizes = Object.keys(tensors).map((name) => {
    const t = byName.get(name)!;
    return { name, bytes: t.byteLength, elements: t.elements };
  });
  const plan = planShards(sizes, maxShardBytes);

  const { fs, path } = await nodeFs(dir);
  const { join } = path;
  await fs
    .mkdir(dir, { recursive: true })
    .catch((cause: unknown) => Promise.reject(ioError(dir, 'cannot create directory', cause)));
  const files: string[] = [];
  for (const shard of plan.shards) {
    const part: Record<string, TensorInput> = {};
    for (const name of shard.tensors) part[name] = tensors[name]!;
    await writeSafetensors(join(dir, shard.file), part, metadata, options);
    files.push(shard.file);
  }
  const sharded = plan.shards.length > 1;
  if (sharded) {
    const weightMap: Record<string, string> = {};
    for (const shard of plan.shards) for (const name of shard.tensors) weightMap[name] = shard.file;
    const index = {
      metadata: { total_parameters: plan.totalParameters, total_size: plan.totalSize },
      weight_map: weightMap,
    };
    const text = new TextEncoder().encode(`${pythonJsonDumps(index, { indent: 2, sortKeys: true })}\n`);
    await writeFileAtomic(
      join(dir, SAFE_WEIGHTS_INDEX_NAME),
      async (fh) => void (await fh.writeFile(text)),
      options.fsync ?? true,
    );
    files.push(SAFE_WEIGHTS_INDEX_NAME);
  }

  const written = new Set(files);
  const stale = (name: string) =>
    !written.has(name) &&
    (SHARD_FILE.test(name) || name === (sharded ? SAFE_WEIGHTS_NAME : SAFE_WEIGHTS_INDEX_NAME));
  const present = await fs
    .readdir(dir, { withFileTypes: true })
    .catch((cause: unknown) => Promise.reject(ioError(dir, 'cannot list', cause)));
  for (const entry of present) {
    if (entry.isFile() && stale(entry.name)) {
      await fs
        .rm(join(dir, entry.name))
        .catch((cause: unknown) =>
          Promise.reject(ioError(join(dir, entry.name), 'cannot remove stale file', cause)),
        );
    }
  }
  return { files, plan };
}
