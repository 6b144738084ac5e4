// A run storage in a Map, for tests and for pages that keep nothing: the same files as on disk, as bytes by path.
// A folder is written into a separate Map and moved in only once `fill` has finished, so it appears whole or not
// at all; nothing an interrupted write leaves can outlive the page.
import { contentBytes, entryName, pathSegments, type RunStorage, type StorageEntry } from './run-storage.js';

/** A fresh, empty storage. Folders exist while they hold a file. */
export function memoryStorage(): RunStorage {
  const files = new Map<string, Uint8Array>();
  const key = (path: string) => pathSegments(path).join('/');
  const removeUnder = (path: string) => {
    files.delete(path);
    for (const k of [...files.keys()]) if (k.startsWith(`${path}/`)) files.delete(k);
  };
  return {
    location: 'memory',
    pathOf: key,
    async readFile(path) {
      return files.get(key(path))?.slice(); // a copy: the caller may write into it
    },
    async writeFile(name, contents) {
      files.set(entryName(name), contentBytes(contents).slice());
    },
    async appendFile(name, text) {
      const k = entryName(name);
      files.set(k, contentBytes([files.get(k) ?? new Uint8Array(0), contentBytes(text)]));
    },
    async writeFolder(name, fill) {
      const folder = entryName(name);
      const staged = new Map<string, Uint8Array>();
      await fill({
        localPath: undefined,
        writeFile: async (file, contents) => {
          staged.set(entryName(file), contentBytes(contents).slice());
        },
      });
      removeUnder(folder);
      for (const [file, bytes] of staged) files.set(`${folder}/${file}`, bytes);
    },
    async list(folder) {
      const prefix = folder === undefined ? '' : `${entryName(folder)}/`;
      const found = new Map<string, StorageEntry['kind']>();
      for (const k of files.keys()) {
        if (!k.startsWith(prefix)) continue;
        const [name, ...rest] = k.slice(prefix.length).split('/');
        found.set(name!, rest.length > 0 ? 'folder' : 'file');
      }
      return [...found]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, kind]) => ({ name, kind }));
    },
    async remove(name) {
      removeUnder(entryName(name));
    },
    async removeStaleTemps() {
      return [];
    },
  };
}
