import { describe, expect, test } from 'vitest';
import { displayWidth, escapeXml } from './text-width.js';

describe('displayWidth', () => {
  test.each([
    ['abc', 3],
    ['中文', 4],
    ['ＡＢ', 4], // full-width
    ['é', 1], // precomposed
    ['e\u0301', 1], // combining accent
    ['😀', 2],
    ['𠀀', 2],
    ['', 0],
  ])('%j -> %d', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });
});

describe('escapeXml', () => {
  test.each([
    ['a<b>&"c"\'', 'a&lt;b&gt;&amp;&quot;c&quot;&apos;'],
    ['bell\x07', 'bell\ufffd'], // not allowed in XML 1.0
    ['lone \ud800 surrogate', 'lone \ufffd surrogate'],
    ['pair 😀 ok\ttab\nnl', 'pair 😀 ok\ttab\nnl'],
  ])('%j', (text, escaped) => {
    expect(escapeXml(text)).toBe(escaped);
  });
});
