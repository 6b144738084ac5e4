// Every bench writes its record the same way: pretty JSON, through @lora/files' atomic write (temp file beside it,
// fsync, rename), into bench-results/ created when missing — a killed run leaves the previous record whole.
import { dirname } from 'node:path';
import { ensureFolder, writeFileAtomic } from '@lora/files';

/** Writes `record` as indented JSON to `path` atomically, creating its folder. */
export async function writeResultsFile(path: string, record: unknown): Promise<void> {
  await ensureFolder(dirname(path));
  await writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
}
