import { describe, expect, test } from 'vitest';
import { pyStrip } from './py-strip.js';

// Expected values from CPython 3.11 str.strip().
describe('pyStrip', () => {
  test.each([
    ['  hello \n', 'hello'],
    ['\t\r\n\v\f x \x1c\x1d\x1e\x1f', 'x'],
    ['\x85Hi\ufeff', 'Hi\ufeff'],
    ['\ufeffHello\x85', '\ufeffHello'],
    ['\u3000全角\u3000', '全角'],
    ['\xa0\u2028a b\u2029\u202f', 'a b'],
    ['', ''],
    ['   ', ''],
    ['a\n\nb', 'a\n\nb'],
  ])('%j -> %j', (input, expected) => {
    expect(pyStrip(input)).toBe(expected);
  });

  test('differs from String.prototype.trim exactly on U+0085, U+001C..U+001F and U+FEFF', () => {
    const differing: number[] = [];
    for (let code = 0; code < 0x10000; code++) {
      const s = `${String.fromCharCode(code)}x`;
      if (pyStrip(s) !== s.trim()) differing.push(code);
    }
    expect(differing).toEqual([0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xfeff]);
  });
});
