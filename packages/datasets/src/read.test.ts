import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DatasetError } from './errors.js';
import { type FileType, fileTypeOf, parseRecords, readRecords } from './read.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-datasets-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
async function readAll(path: string, fileType?: FileType) {
  const out = [];
  for await (const r of readRecords(path, fileType === undefined ? {} : { fileType })) out.push(r);
  return out;
}

describe('fileTypeOf', () => {
  test.each([
    ['a.json', 'json'],
    ['a.JSONL', 'jsonl'],
    ['a.ndjson', 'jsonl'],
    ['dir.v2/a.csv', 'csv'],
    ['a.tsv', 'tsv'],
  ])('%s → %s', (path, type) => expect(fileTypeOf(path)).toBe(type));

  test('an unknown extension names the file and the choices', () => {
    expect(() => fileTypeOf('data.parquet')).toThrow(
      'data.parquet: unsupported dataset file: expected .json, .jsonl, .ndjson, .csv or .tsv, got ".parquet"',
    );
  });
});

describe('readRecords: the records and their locations', () => {
  test('JSON Lines stream with 1-based lines, skipping blank lines, CRLF and a BOM', async () => {
    const path = file('a.jsonl', '\uFEFF{"text":"a"}\r\n\r\n{"text":"b"}\n  \n{"text":"c"}');
    const records = await readAll(path);
    expect(records.map((r) => [r.value.text, r.where.line])).toEqual([
      ['a', 1],
      ['b', 3],
      ['c', 5],
    ]);
  });

  test('a JSON array gives array indices', async () => {
    const records = await readAll(file('a.json', '[{"text":"a"},\n{"text":"b"}]'));
    expect(records.map((r) => [r.value.text, r.where.index, r.where.line])).toEqual([
      ['a', 0, undefined],
      ['b', 1, undefined],
    ]);
  });

  test('a .json file holding JSON Lines is read as JSON Lines', async () => {
    const records = await readAll(file('lines.json', '{"text":"a"}\n{"text":"b"}\n'));
    expect(records.map((r) => [r.value.text, r.where.line])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  test('CSV: header row, RFC 4180 quotes with commas, doubled quotes and newlines; lines are where rows start', async () => {
    const csv = 'instruction,output\r\n"Say ""hi""","hi, there"\r\n"two\r\nlines",x\r\n\r\nlast,"y"\r\n';
    const records = await readAll(file('a.csv', csv));
    expect(records.map((r) => [r.value, r.where.line])).toEqual([
      [{ instruction: 'Say "hi"', output: 'hi, there' }, 2],
      [{ instruction: 'two\r\nlines', output: 'x' }, 3],
      [{ instruction: 'last', output: 'y' }, 6],
    ]);
  });

  test('TSV uses tabs', async () => {
    const records = await readAll(file('a.tsv', 'prompt\tcompletion\nq\ta\n'));
    expect(records.map((r) => r.value)).toEqual([{ prompt: 'q', completion: 'a' }]);
  });

  test('fileType overrides the extension', async () => {
    const records = await readAll(file('a.txt', '{"text":"a"}\n'), 'jsonl');
    expect(records).toHaveLength(1);
  });
});

describe('readRecords: every malformed input is a DatasetError naming file, line or index, expected and found', () => {
  test.each([
    [
      'bad.jsonl',
      '{"text":"a"}\n{"text": oops}\n',
      /bad\.jsonl line 2: malformed JSON: expected one JSON object per line, got "\{\\"text\\": oops\}" \(.+\)/,
    ],
    [
      'arr.jsonl',
      '{"text":"a"}\n[1,2]\n',
      /arr\.jsonl line 2: expected each line to be a JSON object, got an array of 2/,
    ],
    ['empty.jsonl', '\n\n  \n', /empty\.jsonl: expected at least one record, got an empty file/],
    ['zero.jsonl', '', /zero\.jsonl: expected at least one record, got an empty file/],
    ['empty.json', '[]', /empty\.json: expected at least one record, got an empty file/],
    ['blank.json', '   ', /blank\.json: expected at least one record, got an empty file/],
    [
      'obj.json',
      '{\n "data": [1]\n}',
      /obj\.json: expected a JSON array of records or JSON Lines, got an object with keys \[data\]/,
    ],
    [
      'num.json',
      '[{"a":1}, 3]',
      /num\.json index 1: expected each array element to be a JSON object, got number 3/,
    ],
    ['trunc.json', '[{"a":1}, {"b"', /trunc\.json: malformed JSON: expected a JSON array of records \(.+\)/],
    ['str.json', '"hello"', /str\.json: expected a JSON array or JSON Lines, got text starting with "\\""/],
    ['cols.csv', 'a,b\n1,2\n3\n', /cols\.csv line 3: expected 2 columns \(a, b\), got 1/],
    ['many.csv', 'a,b\n1,2,3\n', /many\.csv line 2: expected 2 columns \(a, b\), got 3/],
    ['quote.csv', 'a,b\n1,"open\n', /quote\.csv line \d+: malformed CSV: Quote Not Closed/],
    ['header.csv', 'a,b\n', /header\.csv: expected at least one record after the header row, got none/],
    ['nothing.csv', '', /nothing\.csv: expected a header row and at least one record, got an empty file/],
    [
      'dup.csv',
      'a,a\n1,2\n',
      /dup\.csv line 1: expected unique, non-empty column names in the header, got "a" at column 2/,
    ],
  ])('%s', async (name, text, message) => {
    const path = file(name, text);
    const error = await readAll(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toMatch(message);
    expect((error as DatasetError).file).toBe(path);
  });

  test('the error carries the line and the parser error as cause', async () => {
    const error = (await readAll(file('cause.jsonl', '{}\n{\n')).catch((e: unknown) => e)) as DatasetError;
    expect(error.line).toBe(2);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  test('a missing file is a DatasetError, not a bare ENOENT', async () => {
    await expect(readAll(join(dir, 'missing.jsonl'))).rejects.toThrow(
      /missing\.jsonl: cannot read the file \(ENOENT/,
    );
    await expect(readAll(join(dir, 'missing.json'))).rejects.toThrow(DatasetError);
  });
});

describe('parseRecords (no file system)', () => {
  test('parses text the same way as files', () => {
    expect(
      parseRecords('{"a":1}\n{"a":2}', { file: 'mem.jsonl', fileType: 'jsonl' }).map((r) => r.where.line),
    ).toEqual([1, 2]);
    expect(
      parseRecords('a\n中文\n"x"\n', { file: 'mem.csv', fileType: 'csv' }).map((r) => r.where.line),
    ).toEqual([2, 3]);
  });
});
