// Folders written atomically: everything goes into a temp folder beside (or inside) the target, which is synced and
// renamed into place, so a folder is either absent or complete and a file set appears only once it is whole.
import { describeFsError, FilesError } from './errors.js';
import { nodeFs } from './node-fs.js';
import { syncFolder, tempPathFor } from './write-file.js';

/**
 * Create `parent/name/` atomically: `fill(tempDir)` writes its files into a fresh temp folder; on success the
 * folder is synced and renamed to `name` (replacing an older folder of that name), on failure it is removed.
 * An error thrown by `fill` is rethrown as it is; a file-system failure becomes a FilesError. A crash leaves only
 * a `.name.<pid>-<hex>.tmp` (or `.old`) folder, which removeStaleTemps deletes. Returns the folder's path.
 */
export async function writeFolderAtomic(
  parent: string,
  name: string,
  fill: (tempDir: string) => Promise<void>,
): Promise<string> {
  const m = await nodeFs(parent);
  const target = m.path.join(parent, name);
  const temp = tempPathFor(m, target);
  const fsStep = async <T>(step: () => Promise<T>, expected: string): Promise<T> => {
    try {
      return await step();
    } catch (cause) {
      throw new FilesError(target, expected, describeFsError(cause), { cause });
    }
  };
  try {
    await fsStep(() => m.fs.mkdir(parent, { recursive: true }), `a writable folder ${parent} to write it in`);
    await fsStep(() => m.fs.mkdir(temp), `a writable folder ${parent} to write it in`);
    await fill(temp);
    await syncFolder(m, temp);
    const exists = await m.fs.stat(target).then(
      () => true,
      () => false,
    );
    const old = exists ? tempPathFor(m, target, 'old') : undefined;
    if (old) await fsStep(() => m.fs.rename(target, old), 'a folder that can be replaced');
    await fsStep(() => m.fs.rename(temp, target), 'a folder that can be replaced');
    await syncFolder(m, parent);
    if (old) await m.fs.rm(old, { recursive: true, force: true });
    return target;
  } catch (error) {
    await m.fs.rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

/** Options of `writeIntoFolder`: names moved in last. */
export interface WriteIntoFolderOptions {
  /** names moved after every other file (e.g. the config that marks a set complete) */
  last?: readonly string[];
}

/**
 * Add a set of files to the existing folder `dir` only once all of them are written: `fill(tempDir)` writes them
 * into a temp folder inside `dir`; each is synced and renamed into `dir` (the `last` ones last), then the temp
 * folder goes. On a failure in `fill` nothing in `dir` changes. Returns the names moved in.
 */
export async function writeIntoFolder(
  dir: string,
  fill: (tempDir: string) => Promise<void>,
  options: WriteIntoFolderOptions = {},
): Promise<string[]> {
  const m = await nodeFs(dir);
  const temp = tempPathFor(m, m.path.join(dir, 'staged'));
  try {
    await m.fs.mkdir(temp, { recursive: true });
  } catch (cause) {
    throw new FilesError(dir, 'a writable folder', describeFsError(cause), { cause });
  }
  try {
    await fill(temp);
    const last = new Set(options.last ?? []);
    const names = (await m.fs.readdir(temp)).sort();
    const order = [...names.filter((n) => !last.has(n)), ...names.filter((n) => last.has(n))];
    for (const name of order) {
      const fh = await m.fs.open(m.path.join(temp, name), 'r');
      await fh.sync().catch(() => undefined);
      await fh.close();
    }
    for (const name of order) {
      const target = m.path.join(dir, name);
      try {
        await m.fs.rename(m.path.join(temp, name), target);
      } catch (cause) {
        throw new FilesError(target, 'a file that can be replaced', describeFsError(cause), { cause });
      }
    }
    await syncFolder(m, dir);
    return order;
  } finally {
    await m.fs.rm(temp, { recursive: true, force: true }).catch(() => undefined);
  }
}
