// CSV/TSV records through csv-parse (RFC 4180 quoting, header row), located by the 1-based line each row starts on.

import { parse } from 'csv-parse/sync';
import { DatasetError, preview } from './errors.js';
import type { RawRecord } from './read.js';

interface CsvRow {
  record: string[];
  info: { bytes: number };
}

/** Byte offsets of every '\n', so a row's start byte maps to its line (csv-parse's own count drifts on CRLF inside quotes). */
function lineIndex(bytes: Uint8Array): (offset: number) => number {
  const newlines: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) newlines.push(i);
  return (offset) => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (newlines[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** First byte of the row that follows `end`, skipping the blank lines csv-parse skips. */
function rowStart(bytes: Uint8Array, end: number): number {
  let i = end;
  while (i < bytes.length && (bytes[i] === 10 || bytes[i] === 13)) i++;
  return i;
}

/** Parse a whole CSV (or TSV with delimiter '\t') into records keyed by the header row. */
export function parseCsv(input: string | Uint8Array, file: string, delimiter = ','): RawRecord[] {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const lineOf = lineIndex(bytes);
  let rows: CsvRow[];
  try {
    rows = parse(bytes as Parameters<typeof parse>[0], {
      bom: true,
      delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as CsvRow[];
  } catch (cause) {
    const line = (cause as { lines?: number }).lines;
    throw new DatasetError(
      `${file}${line === undefined ? '' : ` line ${line}`}: malformed CSV: ${(cause as Error).message}`,
      { cause, where: { file, ...(line === undefined ? {} : { line }) } },
    );
  }
  const header = rows[0];
  if (header === undefined) {
    throw new DatasetError(`${file}: expected a header row and at least one record, got an empty file`, {
      where: { file },
    });
  }
  const columns = header.record;
  const seen = new Set<string>();
  columns.forEach((name, i) => {
    if (name.trim() === '' || seen.has(name)) {
      throw new DatasetError(
        `${file} line 1: expected unique, non-empty column names in the header, got ${preview(name)} at column ${i + 1}`,
        { where: { file, line: 1 }, key: name },
      );
    }
    seen.add(name);
  });
  if (rows.length === 1) {
    throw new DatasetError(`${file}: expected at least one record after the header row, got none`, {
      where: { file },
    });
  }
  const out: RawRecord[] = [];
  let previousEnd = header.info.bytes;
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    const line = lineOf(rowStart(bytes, previousEnd));
    previousEnd = row.info.bytes;
    if (row.record.length !== columns.length) {
      throw new DatasetError(
        `${file} line ${line}: expected ${columns.length} columns (${columns.join(', ')}), got ${row.record.length}`,
        { where: { file, line } },
      );
    }
    const value: Record<string, unknown> = {};
    columns.forEach((name, i) => {
      value[name] = row.record[i];
    });
    out.push({ value, where: { file, line } });
  }
  return out;
}
