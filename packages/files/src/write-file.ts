// Write a file atomically: a temp file beside the target (the one temp-name pattern), fsync, rename over the target,
// fsync the folder. Readers see the old file or the whole new one; a crash leaves at most a temp file, which
// removeStaleTemps recognises.
import type { FileHandle } from 'node:fs/promises';
import { describeFsError, FilesError } from './errors.js';
import { type NodeFs, nodeFs } from './node-fs.js';
import { tempName } from './temp-name.js';

/** Text (written as UTF-8), bytes, or a function that writes the open temp file itself (e.g. tensor by tensor). */
export type FileContents = string | Uint8Array | ((fh: FileHandle) => Promise<void>);

/** Options of `writeFileAtomic` and `writeFilesAtomic`. */
export interface AtomicWriteOptions {
  /** fsync the file and its folder (default true) */
  fsync?: boolean;
}

/** A fresh temp path beside `path`. */
export function tempPathFor(m: NodeFs, path: string, suffix: 'tmp' | 'old' = 'tmp'): string {
  const name = tempName(m.path.basename(path), process.pid, m.crypto.randomBytes(6).toString('hex'), suffix);
  return m.path.join(m.path.dirname(path), name);
}

/** fsync a folder so a rename in it is durable; platforms that cannot open a folder are skipped. */
export async function syncFolder(m: NodeFs, dir: string): Promise<void> {
  const fh = await m.fs.open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  await fh.sync().catch(() => undefined);
  await fh.close().catch(() => undefined);
}

/** A file-system failure while writing `path` as a FilesError; anything else (a fill callback's error) as it is. */
export function writeFailure(m: NodeFs, path: string, cause: unknown, fsFailure: boolean): unknown {
  if (!fsFailure || cause instanceof FilesError) return cause;
  return new FilesError(
    path,
    `a writable folder ${m.path.dirname(path)} to write it in`,
    describeFsError(cause),
    { cause },
  );
}

async function writeContents(fh: FileHandle, contents: FileContents): Promise<void> {
  if (typeof contents === 'function') await contents(fh);
  else await fh.writeFile(contents, typeof contents === 'string' ? 'utf8' : undefined);
}

/** Write the temp file for `path`; returns the temp path (the caller renames it). Cleans up after itself on failure. */
export async function writeTemp(
  m: NodeFs,
  path: string,
  contents: FileContents,
  fsync: boolean,
): Promise<string> {
  const temp = tempPathFor(m, path);
  let fh: FileHandle;
  try {
    fh = await m.fs.open(temp, 'wx');
  } catch (cause) {
    throw writeFailure(m, path, cause, true);
  }
  let inFill = true;
  try {
    await writeContents(fh, contents);
    inFill = false;
    if (fsync) await fh.sync();
    await fh.close();
    return temp;
  } catch (cause) {
    await fh.close().catch(() => undefined);
    await m.fs.rm(temp, { force: true }).catch(() => undefined);
    throw writeFailure(m, path, cause, typeof contents !== 'function' || !inFill);
  }
}

/**
 * Write `contents` to `path` atomically. An error thrown by a `contents` function is rethrown as it is; a
 * file-system failure becomes a FilesError naming `path`, what was expected and what was found. Either way the
 * temp file is removed and `path` is left as it was.
 */
export async function writeFileAtomic(
  path: string,
  contents: FileContents,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const m = await nodeFs(path);
  const fsync = options.fsync ?? true;
  const temp = await writeTemp(m, path, contents, fsync);
  try {
    await m.fs.rename(temp, path);
  } catch (cause) {
    await m.fs.rm(temp, { force: true }).catch(() => undefined);
    const found = (await m.fs.stat(path).catch(() => undefined))?.isDirectory()
      ? 'a folder of that name'
      : describeFsError(cause);
    throw new FilesError(path, 'a file that can be replaced', found, { cause });
  }
  if (fsync) await syncFolder(m, m.path.dirname(path));
}

/**
 * Write several files so that none is replaced until all are written: every temp file first, then the renames
 * (in the order given). On a failure before the renames the temps are removed and every target is as it was.
 */
export async function writeFilesAtomic(
  files: readonly { path: string; contents: FileContents }[],
  options: AtomicWriteOptions = {},
): Promise<void> {
  if (files.length === 0) return;
  const m = await nodeFs(files[0]!.path);
  const fsync = options.fsync ?? true;
  const temps: string[] = [];
  const removeTemps = () => Promise.all(temps.map((t) => m.fs.rm(t, { force: true }).catch(() => undefined)));
  try {
    for (const file of files) temps.push(await writeTemp(m, file.path, file.contents, fsync));
  } catch (error) {
    await removeTemps();
    throw error; // already a FilesError, or a contents function's own error
  }
  for (const [i, file] of files.entries()) {
    try {
      await m.fs.rename(temps[i]!, file.path);
    } catch (cause) {
      await removeTemps();
      throw new FilesError(file.path, 'a file that can be replaced', describeFsError(cause), { cause });
    }
  }
  if (fsync) {
    const folders = new Set(files.map((f) => m.path.dirname(f.path)));
    for (const dir of folders) await syncFolder(m, dir);
  }
}
