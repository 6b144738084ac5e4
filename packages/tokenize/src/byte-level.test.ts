import { readFileSync } from 'node:fs';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { bytesToUnicode, gpt2PreTokenize, toByteLevel } from './byte-level.js';

describe('bytesToUnicode', () => {
  const table = bytesToUnicode();

  test('maps the 256 bytes to 256 distinct characters', () => {
    expect(table).toHaveLength(256);
    expect(new Set(table).size).toBe(256);
  });

  test.each([
    [0x41, 'A'], // printable ASCII maps to itself
    [0x21, '!'],
    [0x7e, '~'],
    [0xe9, 'é'], // printable Latin-1 too
    [0x00, '\u0100'], // the first non-printable byte gets U+0100
    [0x0a, '\u010a'], // newline: GPT-2's "Ċ"
    [0x20, '\u0120'], // space: GPT-2's "Ġ"
    [0xad, '\u0143'], // soft hyphen, the last non-printable byte: U+0100 + 67
  ])('byte 0x%s -> %j', (byte, char) => {
    expect(table[byte]).toBe(char);
  });

  test.each([
    ['hi there', 'hiĠthere'],
    ['a\nb', 'aĊb'],
    ['é', 'Ã©'], // two UTF-8 bytes 0xC3 0xA9
    ['🙂', 'ðŁĻĤ'], // four bytes
  ])('toByteLevel(%j) = %j', (text, expected) => {
    expect(toByteLevel(text)).toBe(expected);
  });

  test.each([
    ["It's 12 o'clock!", ['It', "'s", ' 12', ' o', "'", 'clock', '!']],
    ['a  b\n', ['a', ' ', ' b', '\n']],
    ['你好 world', ['你好', ' world']],
  ])('gpt2PreTokenize(%j)', (text, pieces) => {
    expect(gpt2PreTokenize(text)).toEqual(pieces);
  });
});

describeWithFixtures('bytesToUnicode against the real GPT-2 vocabulary', () => {
  test('GPT-2 ids 0..255 are exactly the 256 byte characters', () => {
    const vocab = JSON.parse(readFileSync(sharedFixture('gpt2', 'vocab.json'), 'utf8')) as Record<
      string,
      number
    >;
    const base = Object.entries(vocab)
      .filter(([, id]) => id < 256)
      .map(([token]) => token);
    expect(new Set(base)).toEqual(new Set(bytesToUnicode()));
  });
});
