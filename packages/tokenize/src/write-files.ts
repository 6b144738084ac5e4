// Write tokenizer.json + tokenizer_config.json into a model folder, all at once (@lora/files' atomic writes).
import { ensureFolder, FilesError, writeFilesAtomic } from '@lora/files';
import { TokenizerWriteError } from './errors.js';

/** The contents of tokenizer.json and tokenizer_config.json. */
export interface TokenizerFiles {
  tokenizerJson: unknown;
  tokenizerConfig: unknown;
  /** written as special_tokens_map.json when given */
  specialTokensMap?: unknown;
}

/**
 * Write the files into `dir` (created if missing). All files are serialized and written to temp files first,
 * then renamed into place, so a failure never leaves a half-written file. Returns the paths written.
 */
export async function writeTokenizerFiles(dir: string, files: TokenizerFiles): Promise<string[]> {
  const entries: [string, unknown][] = [
    ['tokenizer.json', files?.tokenizerJson],
    ['tokenizer_config.json', files?.tokenizerConfig],
  ];
  if (files?.specialTokensMap !== undefined)
    entries.push(['special_tokens_map.json', files.specialTokensMap]);
  const texts = entries.map(([name, value]) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new TokenizerWriteError(
        `writeTokenizerFiles: ${name}: expected a JSON object, got ${value === null ? 'null' : typeof value}`,
      );
    }
    return `${JSON.stringify(value, null, 2)}\n`;
  });
  const { join } = await import('node:path');
  const finals = entries.map(([name]) => join(dir, name));
  try {
    await ensureFolder(dir);
    await writeFilesAtomic(finals.map((path, i) => ({ path, contents: texts[i] as string })));
    return finals;
  } catch (cause) {
    const found =
      cause instanceof FilesError ? cause.found : cause instanceof Error ? cause.message : String(cause);
    throw new TokenizerWriteError(`writeTokenizerFiles: ${dir}: expected a writable folder, got ${found}`, {
      cause,
    });
  }
}
