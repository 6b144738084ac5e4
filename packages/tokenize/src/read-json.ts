// Parse JSON text with errors that name the file and the line/column of the problem.
import { TokenizerLoadError } from './errors.js';

/** Line and column (1-based) of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** JSON.parse that throws TokenizerLoadError("<file>: invalid JSON ... at line L column C (position P)"). */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const pos = /position (\d+)/.exec(message)?.[1];
    const offset =
      pos !== undefined ? Number(pos) : /end of JSON input/i.test(message) ? text.length : undefined;
    let where = '';
    if (text.trim() === '') {
      where = ' (the file is empty)';
    } else if (offset !== undefined) {
      const { line, column } = lineColumn(text, offset);
      where = ` at line ${line} column ${column} (position ${offset})`;
    }
    throw new TokenizerLoadError(`${file}: expected valid JSON, got a parse error${where}: ${message}`, {
      cause,
    });
  }
}

/** Read and parse a JSON file; `undefined` when the file does not exist and `optional` is set. */
export async function readJsonFile(path: string, optional: boolean): Promise<unknown> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (optional && code === 'ENOENT') return undefined;
    const what =
      code === 'ENOENT' ? 'the file does not exist' : `it could not be read (${String(code ?? cause)})`;
    throw new TokenizerLoadError(`${path}: expected a readable JSON file, got: ${what}`, { cause });
  }
  return parseJsonText(text, path);
}
