// Write a small text file atomically: a temp file beside the target, fsync, rename over it. Readers see the old
// file or the new one, never half of one; on failure the temp file is removed and the target left as it was.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(temp, 'wx');
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
    await fh.close();
    await rename(temp, path);
  } catch (error) {
    await fh.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}
