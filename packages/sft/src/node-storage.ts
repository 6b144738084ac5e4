// A run storage in a Node folder, through @lora/files: every file written to a temp file, synced and renamed into
// place; a checkpoint folder assembled in `.checkpoint-N.<pid>-<hex>.tmp` and renamed, so `checkpoint-N/` is absent
// or complete even after a kill. Node's fs and path are imported when the storage is made, never statically, so a
// browser bundle of @lora/sft holds no `node:` import.
import {
  describeFsError,
  type FileContents,
  FilesError,
  isTempName,
  removeStaleTemps,
  writeFileAtomic,
  writeFolderAtomic,
} from '@lora/files';
import { StorageError } from './errors.js';
import {
  entryName,
  pathSegments,
  type RunStorage,
  type StorageContents,
  type StorageEntry,
} from './run-storage.js';

/** What writeFileAtomic writes: parts one after another into the file, never joined in memory. */
function fileContents(contents: StorageContents): FileContents {
  if (typeof contents === 'string' || contents instanceof Uint8Array) return contents;
  return async (fh) => {
    for (const part of contents) await fh.writeFile(part);
  };
}

async function loadNode() {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  return { fs, path };
}

const missing = (cause: unknown) => (cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

/**
 * The run's files in the folder `dir` (created on the first write): `checkpoint-N/`, `metrics.jsonl`,
 * `training.log`, `trainer_state.json`. Throws StorageError where there is no Node file system.
 */
export async function nodeStorage(dir: string): Promise<RunStorage> {
  if (typeof dir !== 'string' || dir === '') {
    throw new StorageError(
      String(dir),
      `nodeStorage: dir: expected a folder path, got ${JSON.stringify(dir) ?? String(dir)}`,
    );
  }
  let node: Awaited<ReturnType<typeof loadNode>>;
  try {
    node = await loadNode();
  } catch (cause) {
    throw new StorageError(
      dir,
      `${dir}: expected a Node.js file system (node:fs), got a runtime without one`,
      {
        cause,
      },
    );
  }
  const { fs, path } = node;
  const full = (p: string) => path.join(dir, ...pathSegments(p));
  let made: Promise<unknown> | undefined;
  const ready = () => {
    made ??= fs.mkdir(dir, { recursive: true }).catch((cause: unknown) => {
      made = undefined;
      throw new FilesError(dir, 'a folder that can be created', describeFsError(cause), { cause });
    });
    return made;
  };

  return {
    location: dir,
    pathOf: full,
    async readFile(p) {
      const file = full(p);
      try {
        return new Uint8Array(await fs.readFile(file));
      } catch (cause) {
        if (missing(cause)) return undefined;
        throw new FilesError(file, 'a readable file', describeFsError(cause), { cause });
      }
    },
    async writeFile(name, contents) {
      await ready();
      await writeFileAtomic(path.join(dir, entryName(name)), fileContents(contents));
    },
    async appendFile(name, text) {
      await ready();
      const file = path.join(dir, entryName(name));
      await fs.appendFile(file, text).catch((cause: unknown) => {
        throw new FilesError(file, 'a file that can be appended to', describeFsError(cause), { cause });
      });
    },
    async writeFolder(name, fill) {
      await writeFolderAtomic(dir, entryName(name), (temp) =>
        fill({
          localPath: temp,
          writeFile: (file, contents) =>
            writeFileAtomic(path.join(temp, entryName(file)), fileContents(contents)),
        }),
      );
    },
    async list(folder) {
      const where = folder === undefined ? dir : path.join(dir, entryName(folder));
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(where, { withFileTypes: true });
      } catch (cause) {
        if (missing(cause)) return [];
        throw new FilesError(where, 'a readable folder', describeFsError(cause), { cause });
      }
      return entries
        .filter((e) => !isTempName(e.name) && (e.isFile() || e.isDirectory()))
        .map((e): StorageEntry => ({ name: e.name, kind: e.isDirectory() ? 'folder' : 'file' }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async remove(name) {
      const target = path.join(dir, entryName(name));
      await fs.rm(target, { recursive: true, force: true }).catch((cause: unknown) => {
        throw new FilesError(target, 'a file or folder that can be removed', describeFsError(cause), {
          cause,
        });
      });
    },
    removeStaleTemps: () => removeStaleTemps(dir),
  };
}
