// A model folder on disk as the page's ModelFiles (Node tests read the @lora/stories260k folder this way; the page
// fetches the same files).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelFiles } from '../model-files.js';

export async function diskFiles(dir: string, label = 'stories260K/'): Promise<ModelFiles> {
  const names = (await readdir(dir)).sort();
  return {
    label,
    names,
    read: async (name) =>
      names.includes(name) ? new Uint8Array(await readFile(join(dir, name))) : undefined,
  };
}
