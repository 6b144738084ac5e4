// Write a safetensors file atomically: stream into a temp file in the same directory, fsync, rename over the target.
import type { FileHandle } from 'node:fs/promises';
import { writeFileAtomic as writeAtomic } from '@lora/files';
import { ioError, SafetensorsError } from './errors.js';
import { nodeFs } from './node-fs.js';
import { prepareSafetensors, type TensorInputs } from './serialize.js';

/** Progress of a write, after each tensor. */
export interface WriteProgress {
  /** the tensor just written */
  tensor: string;
  tensorsWritten: number;
  tensorCount: number;
  bytesWritten: number;
  totalBytes: number;
}

/** Options of `writeSafetensors`: an abort signal, a progress callback, and fsync. */
export interface WriteOptions {
  /** stop between tensors; the partial temp file is removed and the target left untouched */
  signal?: AbortSignal;
  /** called after each tensor is written; a throw aborts the write like `signal` does */
  onProgress?: (progress: WriteProgress) => void;
  /** fsync the file before renaming it into place (default true) */
  fsync?: boolean;
}

async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Create `path` through a temp file beside it (@lora/files' atomic write): `fill` writes the temp file; on success
 * it is synced and renamed over `path`, on any failure it is removed and `path` is left as it was.
 */
export async function writeFileAtomic(
  path: string,
  fill: (fh: FileHandle) => Promise<void>,
  fsync = true,
): Promise<void> {
  await nodeFs(path); // without Node: this package's own error, naming the browser entry
  try {
    await writeAtomic(path, fill, { fsync });
  } catch (error) {
    throw error instanceof SafetensorsError ? error : ioError(path, 'write failed', error);
  }
}

/**
 * Write `tensors` (and string `metadata`) to `path` in the layout the Rust crate writes; Float32Array data given
 * with dtype F16 or BF16 is converted (round to nearest even). Atomic: readers see the old file or the new one.
 */
export async function writeSafetensors(
  path: string,
  tensors: TensorInputs,
  metadata?: Readonly<Record<string, string>>,
  options: WriteOptions = {},
): Promise<void> {
  const { head, tensors: prepared, totalBytes } = prepareSafetensors(tensors, metadata, path);
  const { signal, onProgress } = options;
  const stop = (tensor?: string) => {
    if (signal?.aborted) {
      const at = tensor === undefined ? 'before the first tensor' : `after tensor ${JSON.stringify(tensor)}`;
      throw new SafetensorsError('Aborted', path, `write aborted ${at}: no file was written`, {
        cause: signal.reason,
      });
    }
  };
  stop();
  await writeFileAtomic(
    path,
    async (fh) => {
      await writeAll(fh, head, 0);
      let at = head.length;
      for (const [i, t] of prepared.entries()) {
        await writeAll(fh, t.bytes(), at);
        at += t.byteLength;
        try {
          onProgress?.({
            tensor: t.name,
            tensorsWritten: i + 1,
            tensorCount: prepared.length,
            bytesWritten: at,
            totalBytes,
          });
        } catch (cause) {
          const detail = cause instanceof Error ? cause.message : String(cause);
          throw new SafetensorsError(
            'Aborted',
            path,
            `onProgress threw after tensor ${JSON.stringify(t.name)}: ${detail}; no file was written`,
            { cause },
          );
        }
        stop(t.name);
      }
    },
    options.fsync ?? true,
  );
}
