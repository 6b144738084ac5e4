// Write files so that readers see either the old files or the whole new ones: temp files beside them, then renames.

import { DatasetError } from './errors.js';

/**
 * Write every file to a temp name beside it, and only when all are written rename them into place; on any
 * failure the temps are removed and the old files are untouched.
 */
export async function writeFilesAtomic(files: { path: string; data: string }[]): Promise<void> {
  const { randomBytes } = await import('node:crypto');
  const { rename, rm, writeFile } = await import('node:fs/promises');
  const suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const temps = files.map((f) => `${f.path}${suffix}`);
  let current = '';
  try {
    for (const [i, file] of files.entries()) {
      current = file.path;
      await writeFile(temps[i]!, file.data, 'utf8');
    }
    for (const [i, file] of files.entries()) {
      current = file.path;
      await rename(temps[i]!, file.path);
    }
  } catch (cause) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw new DatasetError(`${current}: cannot write the file (${(cause as Error).message})`, {
      cause,
      where: { file: current },
    });
  }
}
