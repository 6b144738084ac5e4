import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DatasetError } from './errors.js';
import { invalidUtf8Offset, readLines, readWholeText, type TextLine } from './read-text.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-datasets-read-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('invalidUtf8Offset agrees with a fatal TextDecoder', () => {
  test.each([
    ['ascii', [0x61, 0x62], 2],
    ['two-byte é', [0xc3, 0xa9], 2],
    ['four-byte emoji', [0xf0, 0x9f, 0x99, 0x82], 4],
    ['a lone continuation byte', [0x61, 0x80], 1],
    ['an overlong slash', [0xc0, 0xaf], 0],
    ['an overlong three-byte form', [0xe0, 0x80, 0x80], 0],
    ['a surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a cut sequence', [0x61, 0x62, 0xe2, 0x82], 2],
    ['0xff', [0xff], 0],
  ])('%s', (_, bytes, offset) => {
    const data = Uint8Array.from(bytes);
    expect(invalidUtf8Offset(data)).toBe(offset);
    const valid = (() => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(data);
        return true;
      } catch {
        return false;
      }
    })();
    expect(valid).toBe(offset === bytes.length);
  });
});

describe('limits: a file that is not JSON Lines, or never ends, is refused', () => {
  test('a line longer than the limit names the file and line', async () => {
    const path = join(dir, 'long-line.jsonl');
    writeFileSync(path, `{"a":1}\n{"text":"${'x'.repeat(5000)}"}\n`);
    const lines: TextLine[] = [];
    const error = await (async () => {
      for await (const l of readLines(path, 'error', 1024)) lines.push(l);
    })().catch((e: unknown) => e);
    expect(lines.map((l) => l.line)).toEqual([1]);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toBe(
      `${path} line 2: expected JSON Lines with lines of at most 1024 bytes, got a longer line (is this a JSON Lines file?)`,
    );
  });

  test('lines report their byte offsets', async () => {
    const path = join(dir, 'offsets.jsonl');
    writeFileSync(path, 'ab\r\né\n\nlast');
    const lines: TextLine[] = [];
    for await (const l of readLines(path, 'error')) lines.push(l);
    expect(lines).toEqual([
      { text: 'ab', line: 1, offset: 0 },
      { text: 'é', line: 2, offset: 4 },
      { text: '', line: 3, offset: 7 },
      { text: 'last', line: 4, offset: 8 },
    ]);
  });

  test('a whole file over the limit is refused before it is read', async () => {
    const path = join(dir, 'big.json');
    writeFileSync(path, `[${'1,'.repeat(1000)}1]`);
    await expect(readWholeText(path, 'error', 100)).rejects.toThrow(
      `${path}: expected a JSON or CSV file of at most 100 bytes (it is read whole; JSON Lines are read line by line), got 2003 bytes`,
    );
  });
});
