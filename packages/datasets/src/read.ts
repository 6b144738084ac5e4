// Read dataset files (JSON array, JSON Lines, CSV, TSV) into plain records, each located by file and line or index.

import { parseCsv } from './csv.js';
import { DatasetError, type Location, preview } from './errors.js';

export type FileType = 'json' | 'jsonl' | 'csv' | 'tsv';

/** One record as read from a file, before any format is applied. */
export interface RawRecord {
  value: Record<string, unknown>;
  where: Location;
}

const EXTENSIONS: Record<string, FileType> = {
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.tsv': 'tsv',
};

/** The file type from the extension; `.json` may still hold JSON Lines (decided from the content). */
export function fileTypeOf(path: string): FileType {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot) : '';
  const type = EXTENSIONS[extension.toLowerCase()];
  if (type === undefined) {
    throw new DatasetError(
      `${path}: unsupported dataset file: expected .json, .jsonl, .ndjson, .csv or .tsv, got ${preview(extension || name)}; pass fileType`,
      { where: { file: path }, key: 'fileType' },
    );
  }
  return type;
}

function asRecord(value: unknown, where: Location, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const at = where.line !== undefined ? ` line ${where.line}` : ` index ${where.index}`;
    throw new DatasetError(
      `${where.file}${at}: expected ${what} to be a JSON object, got ${preview(value)}`,
      {
        where,
      },
    );
  }
  return value as Record<string, unknown>;
}

function parseJsonLine(text: string, file: string, line: number): RawRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new DatasetError(
      `${file} line ${line}: malformed JSON: expected one JSON object per line, got ${preview(text.trim())} (${(cause as Error).message})`,
      { cause, where: { file, line } },
    );
  }
  return { value: asRecord(value, { file, line }, 'each line'), where: { file, line } };
}

function emptyFile(file: string): DatasetError {
  return new DatasetError(`${file}: expected at least one record, got an empty file`, { where: { file } });
}

function parseJsonLines(text: string, file: string): RawRecord[] {
  const out: RawRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() !== '') out.push(parseJsonLine(line, file, i + 1));
  });
  return out;
}

function parseJsonArray(text: string, file: string): RawRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new DatasetError(
      `${file}: malformed JSON: expected a JSON array of records (${(cause as Error).message})`,
      {
        cause,
        where: { file },
      },
    );
  }
  if (!Array.isArray(value)) {
    throw new DatasetError(`${file}: expected a JSON array of records, got ${preview(value)}`, {
      where: { file },
    });
  }
  return value.map((item, index) => ({
    value: asRecord(item, { file, index }, 'each array element'),
    where: { file, index },
  }));
}

/** `.json` holds either an array or JSON Lines (HF datasets and LLaMA-Factory accept both); decide from the content. */
function parseJson(text: string, file: string): RawRecord[] {
  const first = text.match(/\S/)?.[0];
  if (first === '[') return parseJsonArray(text, file);
  if (first === '{') {
    const firstLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
    try {
      JSON.parse(firstLine);
    } catch {
      // the first line alone is not a record: a single pretty-printed object is a different mistake than a bad line
      let whole: unknown;
      try {
        whole = JSON.parse(text);
      } catch {
        whole = undefined;
      }
      if (whole !== undefined) {
        throw new DatasetError(
          `${file}: expected a JSON array of records or JSON Lines, got ${preview(whole)}`,
          {
            where: { file },
          },
        );
      }
    }
    return parseJsonLines(text, file);
  }
  if (first === undefined) return [];
  throw new DatasetError(
    `${file}: expected a JSON array or JSON Lines, got text starting with ${preview(first)}`,
    {
      where: { file },
    },
  );
}

export interface ParseOptions {
  /** the name used in error messages */
  file: string;
  fileType: FileType;
}

/** Parse a whole file's text (browser-friendly; no file system). Throws DatasetError on any malformed input. */
export function parseRecords(text: string, options: ParseOptions): RawRecord[] {
  const { file, fileType } = options;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let records: RawRecord[];
  if (fileType === 'csv' || fileType === 'tsv') return parseCsv(body, file, fileType === 'tsv' ? '\t' : ',');
  if (fileType === 'jsonl') records = parseJsonLines(body, file);
  else records = parseJson(body, file);
  if (records.length === 0) throw emptyFile(file);
  return records;
}

export interface ReadOptions {
  /** override the type taken from the extension */
  fileType?: FileType;
}

/**
 * Stream the records of a dataset file. JSON Lines are read line by line; JSON arrays and CSV are parsed whole.
 * Every malformed line, element or row throws a DatasetError naming the file and line (or index).
 */
export async function* readRecords(path: string, options: ReadOptions = {}): AsyncGenerator<RawRecord> {
  const fileType = options.fileType ?? fileTypeOf(path);
  if (fileType !== 'jsonl') {
    const text = await readText(path);
    yield* parseRecords(text, { file: path, fileType });
    return;
  }
  // node modules load on first use, so the parsing half of this module also runs in a browser
  const { createReadStream } = await import('node:fs');
  const { createInterface } = await import('node:readline');
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  let records = 0;
  try {
    for await (const raw of lines) {
      line++;
      const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.trim() === '') continue;
      records++;
      yield parseJsonLine(text, path, line);
    }
  } catch (cause) {
    if (cause instanceof DatasetError) throw cause;
    throw new DatasetError(`${path}: cannot read the file (${(cause as Error).message})`, {
      cause,
      where: { file: path },
    });
  } finally {
    lines.close();
  }
  if (records === 0) throw emptyFile(path);
}

async function readText(path: string): Promise<string> {
  try {
    const { readFile } = await import('node:fs/promises');
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new DatasetError(`${path}: cannot read the file (${(cause as Error).message})`, {
      cause,
      where: { file: path },
    });
  }
}
