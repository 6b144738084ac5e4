// A Hugging Face checkpoint directory (model.safetensors, or model.safetensors.index.json + shards) behind one reader.
import type { TensorTypedArray } from './decode.js';
import { ioError, SafetensorsError } from './errors.js';
import { SafetensorsFile } from './file.js';
import type { TensorInfo } from './header.js';
import { type NodeFs, nodeFs } from './node-fs.js';
import type { TensorReader } from './reader.js';

/** The file name of a single-file checkpoint. */
export const SAFE_WEIGHTS_NAME = 'model.safetensors';
/** The file name of a sharded checkpoint's index. */
export const SAFE_WEIGHTS_INDEX_NAME = 'model.safetensors.index.json';

export class SafetensorsCheckpoint implements TensorReader {
  /** the directory holding the checkpoint */
  readonly dir: string;
  /** the index file, when the checkpoint is sharded */
  readonly indexPath: string | undefined;
  /** the index's "metadata" object (e.g. total_size), when sharded */
  readonly indexMetadata: Readonly<Record<string, unknown>> | undefined;
  readonly #shards: SafetensorsFile[];
  readonly #owner: Map<string, SafetensorsFile>;
  readonly #names: string[];

  constructor(
    dir: string,
    shards: SafetensorsFile[],
    owner: Map<string, SafetensorsFile>,
    index?: { path: string; metadata: Record<string, unknown> | undefined },
  ) {
    this.dir = dir;
    this.#shards = shards;
    this.#owner = owner;
    this.indexPath = index?.path;
    this.indexMetadata = index?.metadata;
    this.#names = shards.flatMap((s) => s.tensorNames().filter((n) => owner.get(n) === s));
  }

  /** the safetensors files, in index order */
  get files(): string[] {
    return this.#shards.map((s) => s.path);
  }

  /** the first file's __metadata__ (save_pretrained writes the same map into every shard) */
  get metadata(): Readonly<Record<string, string>> | undefined {
    return this.#shards[0]?.metadata;
  }

  tensorNames(): string[] {
    return [...this.#names];
  }

  has(name: string): boolean {
    return this.#owner.has(name);
  }

  #file(name: string): SafetensorsFile {
    const file = this.#owner.get(name);
    if (!file) {
      throw new SafetensorsError(
        'TensorNotFound',
        this.indexPath ?? this.dir,
        `no such tensor: expected one of ${this.#owner.size} names`,
        {
          tensor: name,
        },
      );
    }
    return file;
  }

  /** the file holding a tensor */
  fileOf(name: string): string {
    return this.#file(name).path;
  }

  info(name: string): TensorInfo {
    return this.#file(name).info(name);
  }

  async readRaw(name: string): Promise<Uint8Array> {
    return this.#file(name).readRaw(name);
  }

  async readF32(name: string): Promise<Float32Array> {
    return this.#file(name).readF32(name);
  }

  async readF32Into(name: string, out: Float32Array): Promise<Float32Array> {
    return this.#file(name).readF32Into(name, out);
  }

  async readTyped(name: string): Promise<TensorTypedArray> {
    return this.#file(name).readTyped(name);
  }

  async close(): Promise<void> {
    await Promise.all(this.#shards.map((s) => s.close()));
  }
}

async function kind({ fs }: NodeFs, path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await fs.stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

async function openSharded(node: NodeFs, indexPath: string): Promise<SafetensorsCheckpoint> {
  const { dirname, isAbsolute, join, relative, resolve, sep } = node.path;
  const dir = dirname(indexPath);
  const bad = (message: string, cause?: unknown) =>
    new SafetensorsError('InvalidIndex', indexPath, message, { cause });
  let index: unknown;
  try {
    index = JSON.parse(await node.fs.readFile(indexPath, 'utf8'));
  } catch (cause) {
    if (cause instanceof SyntaxError) throw bad(`not valid JSON: ${cause.message}`, cause);
    throw ioError(indexPath, 'cannot read', cause);
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw bad(
      `weight_map: expected an object of tensor name -> shard file, got ${JSON.stringify(weightMap) ?? 'nothing'}`,
    );
  }
  const byShard = new Map<string, string[]>();
  for (const [tensor, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string' || shard === '')
      throw bad(`weight_map[${JSON.stringify(tensor)}]: expected a file name, got ${JSON.stringify(shard)}`);
    const rel = relative(dir, resolve(dir, shard));
    if (isAbsolute(shard) || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw bad(
        `weight_map[${JSON.stringify(tensor)}]: expected a file inside ${dir}, got ${JSON.stringify(shard)}`,
      );
    }
    byShard.set(shard, [...(byShard.get(shard) ?? []), tensor]);
  }
  for (const [shard, tensors] of byShard) {
    if ((await kind(node, join(dir, shard))) !== 'file') {
      throw new SafetensorsError(
        'MissingShard',
        indexPath,
        `shard ${JSON.stringify(shard)} is missing: expected a file at ${join(dir, shard)} holding ${tensors.length} tensor(s)`,
        { tensor: tensors[0] },
      );
    }
  }
  const shards: SafetensorsFile[] = [];
  const owner = new Map<string, SafetensorsFile>();
  try {
    for (const [shard, tensors] of byShard) {
      const file = await SafetensorsFile.open(join(dir, shard));
      shards.push(file);
      for (const tensor of tensors) {
        if (!file.has(tensor)) {
          throw new SafetensorsError(
            'TensorNotInShard',
            indexPath,
            `weight_map puts it in ${JSON.stringify(shard)}, but that file's header has no such tensor (it holds ${file.tensorNames().length})`,
            { tensor },
          );
        }
        owner.set(tensor, file);
      }
    }
  } catch (error) {
    await Promise.all(shards.map((s) => s.close().catch(() => undefined)));
    throw error;
  }
  const metadata = (index as { metadata?: unknown }).metadata;
  const indexMetadata =
    typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : undefined;
  return new SafetensorsCheckpoint(dir, shards, owner, { path: indexPath, metadata: indexMetadata });
}

/**
 * Open a checkpoint: a directory holding `model.safetensors` (preferred, as transformers does) or
 * `model.safetensors.index.json` with its shards, or the path of a .safetensors file or an index file.
 * Shards are validated up front: every shard exists and holds every tensor the index maps to it.
 */
export async function openCheckpoint(path: string): Promise<SafetensorsCheckpoint> {
  const node = await nodeFs(path);
  const { dirname, join } = node.path;
  const what = await kind(node, path);
  if (what === 'file') {
    if (path.endsWith('.json')) return openSharded(node, path);
    const file = await SafetensorsFile.open(path);
    return new SafetensorsCheckpoint(
      dirname(path),
      [file],
      new Map(file.tensorNames().map((n) => [n, file])),
    );
  }
  if (what === 'dir') {
    const single = join(path, SAFE_WEIGHTS_NAME);
    if ((await kind(node, single)) === 'file') return openCheckpoint(single);
    const index = join(path, SAFE_WEIGHTS_INDEX_NAME);
    if ((await kind(node, index)) === 'file') return openSharded(node, index);
  }
  throw new SafetensorsError(
    'CheckpointNotFound',
    path,
    `expected a directory holding ${SAFE_WEIGHTS_NAME} or ${SAFE_WEIGHTS_INDEX_NAME}, or a path to one, got ${what === 'dir' ? 'a directory with neither' : 'nothing there'}`,
  );
}
