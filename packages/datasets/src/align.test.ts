import { describe, expect, test } from 'vitest';
import { encodeSegments, type TextSegment } from './align.js';

/** Greedy longest-match tokenizer over a small vocabulary; `prefix` mimics SentencePiece's dummy space. */
function greedy(vocab: string[], prefix = ''): (text: string) => number[] {
  return (text) => {
    const s = prefix === '' ? text : prefix + text;
    const out: number[] = [];
    let i = 0;
    while (i < s.length) {
      let best = -1;
      for (let v = 0; v < vocab.length; v++) {
        const piece = vocab[v]!;
        if (s.startsWith(piece, i) && (best === -1 || piece.length > vocab[best]!.length)) best = v;
      }
      if (best === -1) throw new Error(`no token for ${s[i]}`);
      out.push(best);
      i += vocab[best]!.length;
    }
    return out;
  };
}

const chars = greedy('abcdefghijklmnopqrstuvwxyz|>\n▁ '.split(''));
const seg = (text: string, train: boolean): TextSegment => ({ text, train });

describe('encodeSegments', () => {
  test('cheap path: per-segment ids concatenate to the whole-text ids', () => {
    const out = encodeSegments([seg('ab', false), seg('cd', true), seg('e', false)], chars);
    expect(out).toEqual({
      ids: chars('abcde'),
      trained: [false, false, true, true, false],
      exact: true,
      straddling: 0,
    });
  });

  test('adjacent segments with the same flag and empty segments merge before encoding', () => {
    const out = encodeSegments([seg('a', false), seg('', true), seg('b', false), seg('c', true)], chars);
    expect(out.trained).toEqual([false, false, true]);
  });

  test('a token merged across a boundary straddles it and trains (either side trains)', () => {
    // "ab" is one token: the prompt ends with "a", the reply starts with "b"
    const encode = greedy(['a', 'b', 'c', 'd', 'ab']);
    const out = encodeSegments([seg('ca', false), seg('bd', true)], encode);
    expect(out.ids).toEqual(encode('cabd')); // c, ab, d
    expect(out.ids).toEqual([2, 4, 3]);
    expect(out.trained).toEqual([false, true, true]);
    expect(out.exact).toBe(false);
    expect(out.straddling).toBe(1);
  });

  test('a straddling token at the end of a trained segment still trains', () => {
    const encode = greedy(['a', 'b', 'c', 'd', 'ab']);
    const out = encodeSegments([seg('c', false), seg('da', true), seg('bc', false)], encode);
    expect(out.ids).toEqual([2, 3, 4, 2]); // c, d, ab, c
    expect(out.trained).toEqual([false, true, true, false]);
    expect(out.straddling).toBe(1);
  });

  test('a dummy prefix on every separate encode (SentencePiece) is realigned to clean boundaries', () => {
    const encode = greedy(['▁', 'a', 'b', 'c', '\n', '|', '>', '▁a'], '▁');
    const segments = [seg('|a|>\n', false), seg('bc', true), seg('\n|a|>\n', false), seg('cb', true)];
    const out = encodeSegments(segments, encode);
    expect(out.exact).toBe(false);
    expect(out.ids).toEqual(encode('|a|>\nbc\n|a|>\ncb'));
    // ▁ | a | > \n | b c | \n | a | > \n | c b
    const F = false;
    const T = true;
    expect(out.trained).toEqual([F, F, F, F, F, F, T, T, F, F, F, F, F, F, T, T]);
    expect(out.straddling).toBe(0);
  });

  test('a single segment is the whole text', () => {
    expect(encodeSegments([seg('abc', true)], chars).trained).toEqual([true, true, true]);
  });
});
