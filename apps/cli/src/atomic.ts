// Files the CLI writes (reports, run_config.json, config.json): @lora/files' atomic write (temp file, fsync,
// rename), into a folder created when missing, so a crash never leaves a half-written file.
import { dirname } from 'node:path';
import { ensureFolder, writeFileAtomic as writeAtomic } from '@lora/files';

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await ensureFolder(dirname(path));
  await writeAtomic(path, text);
}
