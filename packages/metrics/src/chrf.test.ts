// Expected scores: sacreBLEU's README, its test/test_chrf.py, Hugging Face evaluate's chrF docstring, and hand
// derivations for CJK text.
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { type ChrfOptions, corpusChrf, sentenceChrf } from './chrf.js';
import { MetricsError } from './errors.js';

describe('corpusChrf', () => {
  test('sacreBLEU README: chrF2 = 59.73 with two references per sentence', () => {
    const refs = [
      ['The dog bit the man.', 'The dog had bit the man.'],
      ['It was not unexpected.', 'No one was surprised.'],
      ['The man bit him first.', 'The man had bitten the dog.'],
    ];
    const sys = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
    expect(corpusChrf(sys, refs).score.toFixed(2)).toBe('59.73');
  });

  const prediction = [
    'The relationship between cats and dogs is not exactly friendly.',
    'a good bookshop is just a genteel black hole that knows how to read.',
  ];
  const reference = [
    'The relationship between dogs and cats is not exactly friendly.',
    'A good bookshop is just a genteel Black Hole that knows how to read.',
  ];
  test.each([
    [{}, 84.64214891738334],
    [{ wordOrder: 2 }, 82.87263732906315],
    [{ wordOrder: 2, lowercase: true }, 92.12853119829202],
  ] as Array<[ChrfOptions, number]>)('evaluate chrF docstring %j -> %d', (options, expected) => {
    const c = corpusChrf(prediction, reference, options);
    expectClose([c.score], [expected], { rtol: 1e-13, atol: 0 }, 'chrF');
    expect([c.charOrder, c.wordOrder, c.beta]).toEqual([6, options.wordOrder ?? 0, 2]);
  });

  // test_chrf.py: char_order=6, word_order=0, beta=3
  test.each([
    [['abcdefg'], ['hijklmnop'], 0.0],
    [['a'], ['b'], 0.0],
    [[''], ['b'], 0.0],
    [[''], ['ref'], 0.0],
    [[''], ['reference'], 0.0],
    [['aa'], ['ab'], 8.3333],
    [['a', 'b'], ['a', 'c'], 8.3333],
    [['a'], ['a'], 16.6667],
    [['a b c'], ['a b c'], 50.0],
    [['a b c'], ['abc'], 50.0],
    [
      [
        ' risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
      ],
      [
        'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .',
      ],
      63.36173,
    ],
    [
      [' Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. '],
      ['Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.'],
      64.1302698,
    ],
    [
      ['Niemand hat die Absicht, eine Mauer zu errichten'],
      ['Niemand hat die Absicht, eine Mauer zu errichten'],
      100.0,
    ],
  ])('test_chrf eps smoothing %j vs %j -> %d', (hyps, refs, expected) => {
    expect(Math.abs(corpusChrf(hyps, refs, { beta: 3, epsSmoothing: true }).score - expected)).toBeLessThan(
      1e-4,
    );
  });

  test.each([
    [['a'], ['a'], 100.0],
    [[''], ['reference'], 0.0],
    [['a b c'], ['a b c'], 100.0],
    [['a b c'], ['abc'], 100.0],
    [[''], ['c'], 0.0],
    [['a', 'b'], ['a', 'c'], 50.0],
    [['aa'], ['ab'], 25.0],
  ])('test_chrf effective order %j vs %j -> %d', (hyps, refs, expected) => {
    expect(Math.abs(corpusChrf(hyps, refs, { beta: 3 }).score - expected)).toBeLessThan(1e-4);
  });

  test.each([
    [
      'Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.',
      'Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.',
      67.3481606,
    ],
    [
      'risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
      'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .',
      65.2414427,
    ],
  ])('test_chrf keep whitespace %#', (hyp, ref, expected) => {
    expect(Math.abs(corpusChrf([hyp], [ref], { beta: 3, whitespace: true }).score - expected)).toBeLessThan(
      1e-4,
    );
  });

  test('CJK works on characters with no tokenizer: hand-derived chrF2 of "北京" vs "北京市" = 100·7/11', () => {
    // order 1: P 2/2, R 2/3; order 2: P 1/1, R 1/2; orders 3–6 have no hypothesis n-grams (not effective)
    // avg P 1, avg R 7/12, F2 = 5·P·R / (4·P + R) = 7/11
    expectClose([corpusChrf(['北京'], ['北京市']).score], [700 / 11], { rtol: 1e-14 }, 'chrF zh');
    // characters are code points: astral ideographs count once each, like Python
    expectClose([corpusChrf(['𠀀𠀁'], ['𠀀𠀁𠀂']).score], [700 / 11], { rtol: 1e-14 }, 'chrF astral');
  });

  test("sacreBLEU's rule: hypothesis n-grams of an order the reference lacks are not counted (hand-derived)", () => {
    // "abc" vs "ab": the reference has no trigram, so the hypothesis trigram count is reported as 0
    expect(corpusChrf(['abc'], ['ab'], { charOrder: 3 }).statistics).toEqual([3, 2, 2, 2, 1, 1, 0, 0, 0]);
    // with "xyz" vs "xyz" added, order-3 precision is 1/1 (not 1/2): P = (5/6 + 3/4 + 1)/3 = 31/36, R = 1,
    // F2 = 5PR / (4P + R) = 155/160
    const c = corpusChrf(['abc', 'xyz'], ['ab', 'xyz'], { charOrder: 3 });
    expect(c.statistics).toEqual([6, 5, 5, 4, 3, 3, 1, 1, 1]);
    expectClose([c.score], [(100 * 155) / 160], { rtol: 1e-14 }, 'chrF');
  });

  test('corpus statistics are sums over sentences', () => {
    const c = corpusChrf(['ab', 'ab'], ['ab', 'ac'], { charOrder: 2 });
    // sentence 1: [2,2,2, 1,1,1]; sentence 2: [2,2,1, 1,1,0]
    expect(c.statistics).toEqual([4, 4, 3, 2, 2, 1]);
  });
});

describe('sentenceChrf (test_chrf.py sentence level, eps smoothing, beta 2)', () => {
  test.each([
    [
      'Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.',
      'Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.',
      39.14078509,
    ],
    [
      'Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.',
      'A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.',
      31.22557079,
    ],
    [
      'Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.',
      'Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.',
      57.15704367,
    ],
  ])('%#', (hyp, ref, expected) => {
    expect(Math.abs(sentenceChrf(hyp, [ref], { epsSmoothing: true }).score - expected)).toBeLessThan(1e-4);
  });

  test('the best of several references wins', () => {
    expect(sentenceChrf('abc', ['xyz', 'abc']).score).toBe(100);
  });

  test('rejects a zero order', () => {
    expect(() => sentenceChrf('a', 'a', { charOrder: 0 })).toThrow(MetricsError);
    expect(() => sentenceChrf('a', 'a', { charOrder: 0 })).toThrow(
      'chrf: expected charOrder + wordOrder >= 1, got 0',
    );
  });
});
