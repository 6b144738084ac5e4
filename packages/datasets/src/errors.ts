// DatasetError: every bad file, record, option or example in @lora/datasets, located by file and line or index.

/** Where a record came from: the file and its 1-based line (JSONL, CSV) or its array index (JSON). */
export interface Location {
  file: string;
  /** 1-based line of the record (JSONL, CSV; JSON files read as JSON Lines) */
  line?: number;
  /** 0-based position in a JSON array */
  index?: number;
  /** position inside the record after `unnest`, e.g. `contents[3]` */
  path?: string;
}

/** `data.jsonl line 3`, `data.json index 12 contents[3]`, or just the file. */
export function describeLocation(where: Location): string {
  let out = where.file;
  if (where.line !== undefined) out += ` line ${where.line}`;
  if (where.index !== undefined) out += ` index ${where.index}`;
  if (where.path !== undefined) out += ` ${where.path}`;
  return out;
}

/** Options of `DatasetError`: the cause, the location and the field or option that was wrong. */
export interface DatasetErrorOptions {
  cause?: unknown;
  where?: Location;
  /** the record field or option that was wrong */
  key?: string;
}

/** A dataset file, record or option that cannot be used; the message says where, what was expected and what was found. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly index: number | undefined;
  readonly key: string | undefined;

  constructor(message: string, options: DatasetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.file = options.where?.file;
    this.line = options.where?.line;
    this.index = options.where?.index;
    this.key = options.key;
  }
}

/** A short, single-line rendering of any value for "got ..." in messages. */
export function preview(value: unknown, max = 60): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    const s = JSON.stringify(value);
    return s.length > max ? `${s.slice(0, max - 4)}…" (${value.length} chars)` : s;
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object with keys [${Object.keys(value).join(', ')}]`;
  return `${typeof value} ${String(value)}`;
}
