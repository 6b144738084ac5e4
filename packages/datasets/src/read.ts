// Read dataset files (JSON array, JSON Lines, CSV, TSV) into plain records, each located by file and line or index.

import { parseCsv } from './csv.js';
import { DatasetError, type Location, preview } from './errors.js';
import { type InvalidUtf8, readLines, readWholeText } from './read-text.js';

/** The file types records are read from (from the extension unless given). */
export type FileType = 'json' | 'jsonl' | 'csv' | 'tsv';

/** One record as read from a file, before any format is applied. */
export interface RawRecord {
  value: Record<string, unknown>;
  where: Location;
}

const FILE_TYPES: readonly FileType[] = ['json', 'jsonl', 'csv', 'tsv'];

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

/** Options of `parseRecords`: the file name for messages and its type. */
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

/** Options of `readRecords`: the file type, and what to do with bytes that are not UTF-8. */
export interface ReadOptions {
  /** override the type taken from the extension */
  fileType?: FileType;
  /** bytes that are not UTF-8: 'error' (default) names the file, line and byte offset; 'replace' reads U+FFFD */
  invalidUtf8?: InvalidUtf8;
}

/** The read options, checked: a DatasetError names the option that is wrong. */
function checkReadOptions(path: unknown, options: unknown): asserts path is string {
  if (typeof path !== 'string' || path === '') {
    throw new DatasetError(`readRecords: path: expected a dataset file path, got ${preview(path)}`, { key: 'path' });
  }
  if (typeof options !== 'object' || options === null) {
    throw new DatasetError(`${path}: options: expected an object, got ${preview(options)}`, { key: 'options' });
  }
  const { fileType, invalidUtf8 } = options as ReadOptions;
  if (fileType !== undefined && !FILE_TYPES.includes(fileType)) {
    throw new DatasetError(`${path}: fileType: expected one of ${FILE_TYPES.join(', ')}, got ${preview(fileType)}`, {
      key: 'fileType',
      where: { file: path },
    });
  }
  if (invalidUtf8 !== undefined && invalidUtf8 !== 'error' && invalidUtf8 !== 'replace') {
    throw new DatasetError(`${path}: invalidUtf8: expected 'error' or 'replace', got ${preview(invalidUtf8)}`, {
      key: 'invalidUtf8',
      where: { file: path },
    });
  }
}

/**
 * Stream the records of a dataset file. JSON Lines are read line by line; JSON arrays and CSV are parsed whole.
 * Every malformed line, element or row throws a DatasetError naming the file and line (or index); so do a path that
 * is not a readable file (a directory, a device), bytes that are not UTF-8 (with the byte offset; see invalidUtf8),
 * a JSON Lines line over 256 MiB and a whole JSON/CSV file too large for one string.
 */
export async function* readRecords(path: string, options: ReadOptions = {}): AsyncGenerator<RawRecord> {
  checkReadOptions(path, options);
  const fileType = options.fileType ?? fileTypeOf(path);
  const mode = options.invalidUtf8 ?? 'error';
  if (fileType !== 'jsonl') {
    const text = await readWholeText(path, mode);
    yield* parseRecords(text, { file: path, fileType });
    return;
  }
  let records = 0;
  for await (const { text: raw, line } of readLines(path, mode)) {
    const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (text.trim() === '') continue;
    records++;
    yield parseJsonLine(text, path, line);
  }
  if (records === 0) throw emptyFile(path);
}
