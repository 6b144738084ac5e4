// Expected tokens derived by hand from sacreBLEU's tokenizer rules (tokenizer_13a.py, tokenizer_re.py,
// tokenizer_zh.py, tokenizer_intl.py, tokenizer_char.py) as read through the search tool.
import { describe, expect, test } from 'vitest';
import { bleuTokenize, isSacreBleuChineseChar } from './bleu-tokenizers.js';
import { pySplit, pyStrip } from './python-text.js';

describe('bleuTokenize', () => {
  test.each([
    ['13a', 'The dog bit the man.', ['The', 'dog', 'bit', 'the', 'man', '.']],
    ['13a', "It wasn't surprising.", ['It', "wasn't", 'surprising', '.']], // ' and - stay inside words
    [
      '13a',
      'e-mail costs $3.50, 1,000 times; 5-6 (ok)',
      ['e-mail', 'costs', '$', '3.50', ',', '1,000', 'times', ';', '5', '-', '6', '(', 'ok', ')'],
    ],
    ['13a', '&quot;Hi&quot; &amp; <skipped>bye &lt;3', ['"', 'Hi', '"', '&', 'bye', '<', '3']],
    ['13a', 'It was 2021.', ['It', 'was', '2021', '.']], // the padding spaces split a final period after a digit
    ['13a', 'line-\nbreak\nhere', ['linebreak', 'here']],
    ['13a', '我喜欢机器学习。', ['我喜欢机器学习。']], // unsegmented Chinese stays one token
    ['zh', '我喜欢机器学习。', ['我', '喜', '欢', '机', '器', '学', '习', '。']],
    ['zh', 'GPU训练3.5小时, OK', ['GPU', '训', '练', '3.5', '小', '时', ',', 'OK']],
    ['zh', '“你好”，他说', ['“', '你', '好', '”', '，', '他', '说']], // curly quotes sit in sacreBLEU's U+2001–2A6D quirk range
    ['zh', 'a𠀀b', ['a𠀀b']], // CJK Extension B is not split (the same quirk)
    ['zh', 'ひらがなカタカナ', ['ひらがなカタカナ']], // kana are not in the ranges either
    ['intl', 'Hello, world! It was 2021.', ['Hello', ',', 'world', '!', 'It', 'was', '2021.']], // mteval-v14 keeps "2021."
    ['intl', 'costs $5 or 3,5 €', ['costs', '$', '5', 'or', '3,5', '€']],
    ['intl', '你好，世界', ['你好', '，', '世界']],
    ['char', 'ab c😀', ['a', 'b', 'c', '😀']],
    ['none', '  a  b\tc. ', ['a', 'b', 'c.']],
  ] as const)('%s: %j', (tokenizer, line, tokens) => {
    expect(bleuTokenize(line, tokenizer)).toEqual(tokens);
  });

  test('an unknown tokenizer name throws', () => {
    expect(() => bleuTokenize('x', 'ja-mecab' as never)).toThrow(
      'bleu tokenize: expected one of 13a, zh, intl, char, none, got "ja-mecab"',
    );
  });
});

describe('isSacreBleuChineseChar', () => {
  test.each([
    ['中', true],
    ['。', true], // U+3002 CJK punctuation
    ['，', true], // U+FF0C full-width
    ['—', true], // U+2014, quirk range
    ['\u2000', false], // just below the quirk range
    ['\u2001', true],
    ['\u2a6d', true],
    ['\u2a6e', false],
    ['𠀀', false], // U+20000
    ['あ', false],
    ['A', false],
    ['', false],
  ])('%j -> %s', (ch, expected) => {
    expect(isSacreBleuChineseChar(ch)).toBe(expected);
  });
});

describe('Python whitespace semantics', () => {
  test.each([
    ['a\x85b\x1cc', ['a', 'b', 'c']], // Python whitespace that JavaScript's \s misses
    ['a\ufeffb', ['a\ufeffb']], // JavaScript whitespace that Python keeps
    ['\u3000全角\u3000空格', ['全角', '空格']],
    ['', []],
  ])('pySplit(%j)', (s, parts) => {
    expect(pySplit(s)).toEqual(parts);
  });

  test('pyStrip', () => {
    expect(pyStrip('\x1f a b \x85')).toBe('a b');
  });
});
