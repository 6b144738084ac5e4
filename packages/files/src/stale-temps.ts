// Leftovers of interrupted writes: temp files and folders (every pattern the project writes, see temp-name.ts) in
// one folder. Call removeStaleTemps only while no other writer uses the folder (hold its output lock).
import { describeFsError, FilesError } from './errors.js';
import { nodeFs } from './node-fs.js';
import { isTempName } from './temp-name.js';

/** Names of the temp files and folders directly in `dir`, sorted; none when `dir` does not exist. */
export async function listStaleTemps(dir: string): Promise<string[]> {
  const m = await nodeFs(dir);
  let names: string[];
  try {
    names = await m.fs.readdir(dir);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new FilesError(dir, 'a readable folder', describeFsError(cause), { cause });
  }
  return names.filter(isTempName).sort();
}

/** Delete the temp files and folders an interrupted write left directly in `dir`. Returns the names removed. */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  const m = await nodeFs(dir);
  const stale = await listStaleTemps(dir);
  for (const name of stale) {
    const path = m.path.join(dir, name);
    try {
      await m.fs.rm(path, { recursive: true, force: true });
    } catch (cause) {
      throw new FilesError(path, 'a leftover temp file that can be removed', describeFsError(cause), {
        cause,
      });
    }
  }
  return stale;
}
