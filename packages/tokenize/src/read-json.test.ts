import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TokenizerLoadError } from './errors.js';
import { lineColumn, parseJsonText, readJsonFile } from './read-json.js';

test.each([
  ['abc', 0, 1, 1],
  ['abc', 2, 1, 3],
  ['a\nbc', 2, 2, 1],
  ['a\nbc\n\nd', 6, 4, 1],
])('lineColumn(%j, %i) = line %i column %i', (text, offset, line, column) => {
  expect(lineColumn(text, offset)).toEqual({ line, column });
});

describe('parseJsonText', () => {
  test('parses valid JSON', () => {
    expect(parseJsonText('{"a": [1, 2]}', 'x.json')).toEqual({ a: [1, 2] });
  });

  test.each([
    ['{\n  "a": 1,\n  "b" 2\n}', /x\.json: expected valid JSON.* at line 3 column 7 \(position 18\)/],
    ['{"a": ', /x\.json: expected valid JSON.* at line 1 column 7 \(position 6\)/],
    ['  \n', /x\.json: expected valid JSON.*\(the file is empty\)/],
  ])('names the file and the position for %j', (text, message) => {
    expect(() => parseJsonText(text, 'x.json')).toThrow(TokenizerLoadError);
    expect(() => parseJsonText(text, 'x.json')).toThrow(message);
  });
});

describe('readJsonFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lora-tokenize-read-'));
    await writeFile(join(dir, 'bad.json'), '{"a": 1,}');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('a missing optional file is undefined, a missing required one an error naming it', async () => {
    expect(await readJsonFile(join(dir, 'absent.json'), true)).toBeUndefined();
    await expect(readJsonFile(join(dir, 'absent.json'), false)).rejects.toThrow(
      /absent\.json: .*does not exist/,
    );
  });

  test('invalid JSON is an error even for an optional file', async () => {
    await expect(readJsonFile(join(dir, 'bad.json'), true)).rejects.toThrow(
      /bad\.json: expected valid JSON.*position 8/,
    );
  });
});
