// The model folder and data file the person picked, kept in the origin private file system so that a reload (or a
// resumed run) reads them back instead of asking again. Each lives in its own @lora/sft RunStorage folder (atomic
// file writes); a folder's name is kept in a small `name.txt` beside its files.
import type { RunStorage } from '@lora/sft';
import { baseName, isModelFile, type ModelFiles } from './model-files.js';

const NAME_FILE = 'name.txt';

/** Replace what `storage` holds with `files` (model files only); returns the names kept and left out. */
export async function storeModel(
  storage: RunStorage,
  folderName: string,
  files: readonly File[],
): Promise<{ kept: string[]; ignored: string[] }> {
  for (const entry of await storage.list()) await storage.remove(entry.name);
  const kept: string[] = [];
  const ignored: string[] = [];
  for (const file of files) {
    const name = baseName((file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name);
    if (!isModelFile(name) || name === NAME_FILE) {
      ignored.push(name);
      continue;
    }
    await storage.writeFile(name, new Uint8Array(await file.arrayBuffer()));
    kept.push(name);
  }
  await storage.writeFile(NAME_FILE, folderName);
  return { kept: kept.sort(), ignored: ignored.sort() };
}

/** The folder in `storage` as ModelFiles, or undefined when none is kept. */
export async function storedModel(storage: RunStorage): Promise<ModelFiles | undefined> {
  const nameBytes = await storage.readFile(NAME_FILE);
  if (nameBytes === undefined) return undefined;
  const name = new TextDecoder().decode(nameBytes);
  const names = (await storage.list())
    .filter((e) => e.kind === 'file' && e.name !== NAME_FILE)
    .map((e) => e.name);
  return {
    label: `${name}/`,
    names,
    read: (file) => (names.includes(file) ? storage.readFile(file) : Promise.resolve(undefined)),
  };
}

/** The folder name of picked files: the first path segment of a folder pick, else "picked files". */
export function folderNameOf(files: readonly File[]): string {
  const path = (files[0] as (File & { webkitRelativePath?: string }) | undefined)?.webkitRelativePath ?? '';
  return path.includes('/') ? path.slice(0, path.indexOf('/')) : 'picked files';
}

/** A data file kept for a resumed run: replaces what `storage` holds. */
export async function storeData(storage: RunStorage, name: string, bytes: Uint8Array): Promise<void> {
  for (const entry of await storage.list()) await storage.remove(entry.name);
  await storage.writeFile(name, bytes);
}

export async function storedData(storage: RunStorage, name: string): Promise<Uint8Array | undefined> {
  return storage.readFile(name);
}
