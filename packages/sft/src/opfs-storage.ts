// A run storage in the browser's Origin Private File System (navigator.storage.getDirectory()), for a page or worker
// that trains with the same Trainer as the CLI.
//
// Atomicity. A single file is written through `createWritable()`, whose writes go to a swap file that replaces the
// file on `close()`, so a reader sees the old file or the whole new one (a browser without `createWritable()` gets a
// StorageError from opfsStorage, and the page uses memoryStorage instead). A folder cannot be renamed into place as
// @lora/files does on disk: `FileSystemHandle.move()` is missing from some browsers and Chromium shipped it for
// files only. So a folder is written under its own name with a marker file (`.complete`) written last: a folder
// without the marker — one a closed tab or crash cut short — is not listed (so never found as a checkpoint) and
// removeStaleTemps deletes it. Replacing a folder removes the old marker first, so the old folder vanishes at once
// and the new one appears once whole; a crash in between leaves neither (never a mix of the two).
import { StorageError } from './errors.js';
import { contentBytes, entryName, pathSegments, type RunStorage, type StorageEntry } from './run-storage.js';

/** The marker a complete folder holds, written after every other file. */
export const COMPLETE_MARKER = '.complete';

/** What the storage uses of FileSystemDirectoryHandle (lib.dom lacks its async iteration). */
export interface OpfsDirectory {
  readonly kind: 'directory';
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<OpfsDirectory>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<OpfsFile>;
  removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>;
  entries(): AsyncIterable<[string, { readonly kind: 'file' | 'directory' }]>;
}

/** What the storage uses of FileSystemFileHandle. */
export interface OpfsFile {
  readonly kind: 'file';
  getFile(): Promise<Blob>;
  createWritable(options?: { keepExistingData?: boolean }): Promise<OpfsWritable>;
}

/** What the storage uses of FileSystemWritableFileStream. */
export interface OpfsWritable {
  write(data: Uint8Array | { type: 'write'; position: number; data: Uint8Array }): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** NotFoundError (no such entry) or TypeMismatchError (a file where a folder was asked for, or the reverse). */
const absent = (error: unknown) => {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'NotFoundError' || name === 'TypeMismatchError';
};

async function originRoot(root: string): Promise<OpfsDirectory> {
  const scope = globalThis as {
    navigator?: { storage?: { getDirectory?: () => Promise<unknown> } };
    FileSystemFileHandle?: { prototype: object };
  };
  const storage = scope.navigator?.storage;
  const fileHandle = scope.FileSystemFileHandle?.prototype;
  if (typeof storage?.getDirectory !== 'function' || !fileHandle || !('createWritable' in fileHandle)) {
    throw new StorageError(
      root,
      `opfs:${root}: expected the Origin Private File System with FileSystemFileHandle.createWritable, got a runtime without it`,
    );
  }
  try {
    return (await storage.getDirectory()) as OpfsDirectory;
  } catch (cause) {
    const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    throw new StorageError(root, `opfs:${root}: expected the Origin Private File System, got ${why}`, {
      cause,
    });
  }
}

async function writeIn(folder: OpfsDirectory, name: string, contents: Uint8Array): Promise<void> {
  const handle = await folder.getFileHandle(name, { create: true });
  const writable = await handle.createWritable();
  try {
    await writable.write(contents);
    await writable.close();
  } catch (error) {
    await writable.abort().catch(() => undefined);
    throw error;
  }
}

async function isComplete(folder: OpfsDirectory): Promise<boolean> {
  try {
    await folder.getFileHandle(COMPLETE_MARKER);
    return true;
  } catch (error) {
    if (absent(error)) return false;
    throw error;
  }
}

/**
 * The run's files in the folder `root` (`a/b` for nested folders, created when missing) of the origin's private
 * file system; `directory` replaces that file system's root (tests). Rejects with StorageError where there is none
 * or it cannot write files atomically (no `createWritable`): use memoryStorage() there.
 */
export async function opfsStorage(root: string, directory?: OpfsDirectory): Promise<RunStorage> {
  const rootNames = typeof root === 'string' ? root.split('/') : [root];
  for (const name of rootNames) entryName(name);
  let base = directory ?? (await originRoot(root));
  for (const name of rootNames) base = await base.getDirectoryHandle(name, { create: true });

  const folderNamed = async (name: string): Promise<OpfsDirectory | undefined> => {
    try {
      return await base.getDirectoryHandle(name);
    } catch (error) {
      if (absent(error)) return undefined;
      throw error;
    }
  };
  const removeEntry = async (name: string) => {
    const folder = await folderNamed(name);
    if (folder)
      await folder.removeEntry(COMPLETE_MARKER).catch((e: unknown) => absent(e) || Promise.reject(e));
    await base.removeEntry(name, { recursive: true }).catch((e: unknown) => absent(e) || Promise.reject(e));
  };
  const userName = (name: string) => {
    if (entryName(name) === COMPLETE_MARKER)
      throw new StorageError(
        name,
        `name: expected a name other than ${COMPLETE_MARKER} (the storage's marker)`,
      );
    return name;
  };

  return {
    location: `opfs:${root}`,
    pathOf: (path) => `opfs:${root}/${pathSegments(path).join('/')}`,
    async readFile(path) {
      const names = pathSegments(path);
      const folder = names.length === 1 ? base : await folderNamed(names[0]);
      try {
        const blob = await (await folder?.getFileHandle(names[names.length - 1]!))?.getFile();
        return blob === undefined ? undefined : new Uint8Array(await blob.arrayBuffer());
      } catch (error) {
        if (absent(error)) return undefined;
        throw error;
      }
    },
    async writeFile(name, contents) {
      await writeIn(base, entryName(name), contentBytes(contents));
    },
    async appendFile(name, text) {
      const handle = await base.getFileHandle(entryName(name), { create: true });
      const position = (await handle.getFile()).size;
      const writable = await handle.createWritable({ keepExistingData: true });
      try {
        await writable.write({ type: 'write', position, data: contentBytes(text) });
        await writable.close();
      } catch (error) {
        await writable.abort().catch(() => undefined);
        throw error;
      }
    },
    async writeFolder(name, fill) {
      await removeEntry(entryName(name));
      const folder = await base.getDirectoryHandle(name, { create: true });
      try {
        await fill({
          localPath: undefined,
          writeFile: async (file, contents) => writeIn(folder, userName(file), contentBytes(contents)),
        });
        await writeIn(folder, COMPLETE_MARKER, new Uint8Array(0));
      } catch (error) {
        await base.removeEntry(name, { recursive: true }).catch(() => undefined);
        throw error;
      }
    },
    async list(folderName) {
      const folder = folderName === undefined ? base : await folderNamed(entryName(folderName));
      if (!folder || (folderName !== undefined && !(await isComplete(folder)))) return [];
      const found: StorageEntry[] = [];
      for await (const [name, handle] of folder.entries()) {
        if (handle.kind === 'file') {
          if (name !== COMPLETE_MARKER) found.push({ name, kind: 'file' });
        } else if (await isComplete(await folder.getDirectoryHandle(name))) {
          found.push({ name, kind: 'folder' });
        }
      }
      return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async remove(name) {
      await removeEntry(entryName(name));
    },
    async removeStaleTemps() {
      const stale: string[] = [];
      for await (const [name, handle] of base.entries()) {
        if (handle.kind === 'directory' && !(await isComplete(await base.getDirectoryHandle(name))))
          stale.push(name);
      }
      for (const name of stale) await base.removeEntry(name, { recursive: true });
      return stale.sort();
    },
  };
}
