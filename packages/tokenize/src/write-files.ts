// Write tokenizer.json + tokenizer_config.json into a model folder, each through a temp file and a rename.
import { TokenizerWriteError } from './errors.js';

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
  const { mkdir, rename, rm, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
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
  const tag = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const temps = entries.map(([name]) => join(dir, `.${name}.${tag}.tmp`));
  try {
    await mkdir(dir, { recursive: true });
    await Promise.all(temps.map((temp, i) => writeFile(temp, texts[i] as string, 'utf8')));
    const finals = entries.map(([name]) => join(dir, name));
    for (const [i, temp] of temps.entries()) await rename(temp, finals[i] as string);
    return finals;
  } catch (cause) {
    await Promise.all(temps.map((temp) => rm(temp, { force: true }).catch(() => undefined))); // best effort
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new TokenizerWriteError(
      `writeTokenizerFiles: ${dir}: expected a writable folder, got: ${message}`,
      { cause },
    );
  }
}
