import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
    for (const name of ['missing.jsonl', 'missing.json']) {
      const error = await readAll(join(dir, name)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatasetError);
      expect((error as Error).message).toBe(`${join(dir, name)}: expected a readable dataset file, got no such file`);
    }
  });

  test.each([
    ['a directory', () => mkdirSync(join(dir, 'folder.jsonl'), { recursive: true }), 'folder.jsonl', 'a directory'],
    ['a directory (.json)', () => mkdirSync(join(dir, 'folder.json'), { recursive: true }), 'folder.json', 'a directory'],
    ['/dev/zero', () => symlinkSync('/dev/zero', join(dir, 'zero-link.jsonl')), 'zero-link.jsonl', 'a character device'],
    ['/dev/zero (.csv)', () => symlinkSync('/dev/zero', join(dir, 'zero-link.csv')), 'zero-link.csv', 'a character device'],
    ['a dangling symlink', () => symlinkSync(join(dir, 'gone'), join(dir, 'dangling.jsonl')), 'dangling.jsonl', 'no such file'],
  ])('%s is refused in one line, never a RangeError or a hang', async (_, make, name, got) => {
    make();
    const error = await readAll(join(dir, name)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toBe(`${join(dir, name)}: expected a readable dataset file, got ${got}`);
  });

  test('arguments of the wrong kind are named', async () => {
    await expect(readAll(undefined as unknown as string)).rejects.toThrow(
      'readRecords: path: expected a dataset file path, got undefined',
    );
    const path = file('opt.jsonl', '{"a":1}\n');
    await expect(readRecords(path, { fileType: 'xml' as FileType }).next()).rejects.toThrow(
      `${path}: fileType: expected one of json, jsonl, csv, tsv, got "xml"`,
    );
    await expect(readRecords(path, { invalidUtf8: 'skip' as 'error' }).next()).rejects.toThrow(
      `${path}: invalidUtf8: expected 'error' or 'replace', got "skip"`,
    );
  });
});

describe('bytes that are not UTF-8 are refused with the file, line and byte offset', () => {
  const bytes = (...parts: (string | number[])[]) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
  const raw = (name: string, data: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, data);
    return path;
  };
  test.each([
    ['bad.jsonl', bytes('{"text":"a"}\n{"text":"b', [0xff], 'c"}\n'), 2, 23, '0xff'],
    ['bad-crlf.jsonl', bytes('{"text":"a"}\r\n\r\n{"text":"é', [0xc3], '"}\r\n'), 3, 27, '0xc3'],
    ['lone-surrogate.jsonl', bytes('{"text":"', [0xed, 0xa0, 0x80], '"}'), 1, 9, '0xed'],
    ['overlong.json', bytes('[{"text":\n"', [0xc0, 0xaf], '"}]'), 2, 11, '0xc0'],
    ['bad.csv', bytes('text\nok\nbad', [0x80], '\n'), 3, 11, '0x80'],
  ])('%s', async (name, data, line, offset, byte) => {
    const path = raw(name, data);
    const error = await readAll(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toBe(
      `${path} line ${line}: expected UTF-8 text, got byte ${byte} at byte offset ${offset}; re-save it as UTF-8 (or read it with invalidUtf8: 'replace' to get U+FFFD)`,
    );
    expect((error as DatasetError).line).toBe(line);
  });

  test('a sequence cut off at the end of the file', async () => {
    const path = raw('cut.jsonl', bytes('{"text":"a"}\n{"text":"', [0xe2, 0x82]));
    await expect(readAll(path)).rejects.toThrow(/line 2: expected UTF-8 text, got byte 0xe2 at byte offset 22/);
  });

  test("invalidUtf8: 'replace' reads them as U+FFFD, as asked", async () => {
    const path = raw('replace.jsonl', bytes('{"text":"b', [0xff], 'c"}\n'));
    const records = [];
    for await (const r of readRecords(path, { invalidUtf8: 'replace' })) records.push(r);
    expect(records.map((r) => r.value.text)).toEqual(['b\uFFFDc']);
  });

  test('valid multi-byte text across read chunks is untouched', async () => {
    const long = '中文🙂'.repeat(200_000); // ~2.8 MB: several 1 MiB chunks, characters straddling their edges
    const path = file('long.jsonl', `${JSON.stringify({ text: long })}\n${JSON.stringify({ text: 'é' })}`);
    const records = await readAll(path);
    expect(records.map((r) => [r.value.text, r.where.line])).toEqual([
      [long, 1],
      ['é', 2],
    ]);
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
