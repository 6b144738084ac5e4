// Write files so that readers see either the old files or the whole new ones (@lora/files' atomic writes), with a
// failure reported as a DatasetError naming the file.
import { FilesError, writeFilesAtomic as writeAll } from '@lora/files';
import { DatasetError } from './errors.js';

/**
 * Write every file to a temp name beside it, and only when all are written rename them into place; on any
 * failure the temps are removed and the old files are untouched.
 */
export async function writeFilesAtomic(files: { path: string; data: string }[]): Promise<void> {
  try {
    await writeAll(files.map((f) => ({ path: f.path, contents: f.data })));
  } catch (cause) {
    const file = cause instanceof FilesError ? cause.path : (files[0]?.path ?? '');
    const detail =
      cause instanceof FilesError
        ? `expected ${cause.expected}, got ${cause.found}`
        : cause instanceof Error
          ? cause.message
          : String(cause);
    throw new DatasetError(`${file}: cannot write the file: ${detail}`, { cause, where: { file } });
  }
}
