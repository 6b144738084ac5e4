// Expected scores: sacreBLEU's README (API example, variable references) and its test suite
// (test/test_bleu.py, test/test_sentence_bleu.py), torchmetrics' SacreBLEUScore docstring, and a hand derivation
// for Chinese with the zh tokenizer.
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { type BleuOptions, computeBleu, corpusBleu, sentenceBleu } from './bleu.js';
import { MetricsError } from './errors.js';

const refs1 = ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'];
const refs2 = ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'];
const sys = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const perHyp = sys.map((_, i) => [refs1[i]!, refs2[i]!]);

describe('corpusBleu (sacreBLEU README and test_bleu.py)', () => {
  test('README example: BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)', () => {
    const b = corpusBleu(sys, perHyp);
    expect(Math.abs(b.score - 48.530827)).toBeLessThan(1e-6);
    expect(b.counts).toEqual([14, 7, 5, 3]);
    expect(b.totals).toEqual([17, 14, 11, 8]);
    expect(b.precisions.map((p) => p.toFixed(1))).toEqual(['82.4', '50.0', '45.5', '37.5']);
    expect([b.bp.toFixed(3), b.ratio.toFixed(3), b.sysLen, b.refLen]).toEqual(['0.943', '0.944', 17, 18]);
  });

  test('README variable references: an empty reference is skipped -> BLEU = 29.44 (ref_len = 19)', () => {
    const b = corpusBleu(sys, [['', refs2[0]!], perHyp[1]!, perHyp[2]!]);
    expect(b.score.toFixed(2)).toBe('29.44');
    expect(b.precisions.map((p) => p.toFixed(1))).toEqual(['82.4', '42.9', '27.3', '12.5']);
    expect([b.bp.toFixed(3), b.ratio.toFixed(3), b.sysLen, b.refLen]).toEqual(['0.889', '0.895', 17, 19]);
  });

  test.each([
    [{}, 48.530827],
    [{ tokenize: 'none' }, 49.1919566],
    [{ tokenize: '13a' }, 48.530827],
    [{ tokenize: 'intl' }, 43.91623493],
    [{ smoothMethod: 'none' }, 48.530827],
  ] as Array<[BleuOptions, number]>)('test_corpus_bleu %j -> %d', (options, expected) => {
    expect(Math.abs(corpusBleu(sys, perHyp, options).score - expected)).toBeLessThan(1e-6);
  });

  test('empty hypotheses are kept and score 0', () => {
    const b = corpusBleu(['', '', ''], perHyp);
    expect(b.score).toBe(0);
    expect(b.sysLen).toBe(0);
    expect(b.bp).toBe(0);
  });

  // raw_corpus_bleu = floor smoothing, no tokenization, effective order
  const raw = { smoothMethod: 'floor', smoothValue: 0.01, tokenize: 'none', effectiveOrder: true } as const;
  test.each([
    [['this is a test'], ['this is a test'], 1.0],
    [['this is a fest'], ['this is a test'], 0.223606797749979],
    [['test'], ['a test'], 0.3678794411714425],
    [['a test'], ['a test'], 1.0],
    [['a little test'], ['a test'], 0.03218297948685433],
    // test_raw_bleu expects 0.0038 here, a pre-2.0 value: 2.x returns 0 when nothing matches (sacreBLEU #141)
    [['this is a test', 'another test'], ['ref1', 'ref2'], 0],
  ])('test_raw_bleu / test_effective_order %j vs %j', (hyps, refs, expected) => {
    expect(Math.abs(corpusBleu(hyps, refs, raw).score / 100 - expected)).toBeLessThan(1e-8);
  });

  test('test_statistics and test_offset: "am I am a character sequence"', () => {
    const hyp = ['am I am a character sequence'];
    const ref = ['I am a symbol string sequence a a'];
    const b = corpusBleu(hyp, ref, raw);
    expect([b.counts, b.totals]).toEqual([
      [4, 2, 1, 0],
      [6, 5, 4, 3],
    ]);
    expect(
      Math.abs(corpusBleu(hyp, ref, { ...raw, smoothValue: undefined }).score / 100 - 0.1555722182),
    ).toBeLessThan(1e-8);
    expect(corpusBleu(hyp, ref, { ...raw, smoothValue: 0 }).score).toBe(0);
  });

  test('torchmetrics SacreBLEUScore docstring: 0.7598 = (5/6 · 4/5 · 3/4 · 2/3)^(1/4)', () => {
    const b = corpusBleu(['the cat is on the mat'], [['there is a cat on the mat', 'a cat is on the mat']]);
    expectClose([b.score], [100 * (1 / 3) ** 0.25], { rtol: 1e-12 }, 'bleu');
    expect((b.score / 100).toFixed(4)).toBe('0.7598');
  });

  test('Chinese needs the zh tokenizer: hand-derived 100·e^(1−10/8)·(8/8·6/7·5/6·4/5)^(1/4)', () => {
    const hyp = ['我喜欢机器学习。'];
    const ref = ['我非常喜欢机器学习。'];
    const zh = corpusBleu(hyp, ref, { tokenize: 'zh' });
    expect([zh.counts, zh.totals, zh.sysLen, zh.refLen]).toEqual([[8, 6, 5, 4], [8, 7, 6, 5], 8, 10]);
    expectClose([zh.score], [100 * Math.exp(1 - 10 / 8) * (4 / 7) ** 0.25], { rtol: 1e-12 }, 'zh bleu');
    expect(corpusBleu(hyp, ref).score).toBe(0); // 13a sees one token on each side
  });

  test('reference length: the closest one, the shorter on a tie', () => {
    expect(corpusBleu(['a b c d e'], [['a b c d e f', 'a b c d']]).refLen).toBe(4);
    expect(corpusBleu(['a b c d e'], [['a b c d e f g', 'a b c']]).refLen).toBe(3); // 7 and 3 are both 2 away
  });

  test('maxNgramOrder 2: BLEU-2 with n-gram counts clipped by the reference', () => {
    // unigrams: "the" x3 clipped to 2, "cat" 1 -> 3/4; bigrams: "the the" 0, "the cat" 1 -> 1/3; no brevity penalty
    const b = corpusBleu(['the the the cat'], ['the cat the dog'], {
      maxNgramOrder: 2,
      smoothMethod: 'none',
    });
    expect([b.counts, b.totals]).toEqual([
      [3, 1],
      [4, 3],
    ]);
    expectClose([b.score], [100 * Math.sqrt((3 / 4) * (1 / 3))], { rtol: 1e-12 }, 'bleu-2');
  });

  test('lowercase option', () => {
    expect(corpusBleu(['THE CAT'], ['the cat'], { lowercase: true }).counts[0]).toBe(2);
    expect(corpusBleu(['THE CAT'], ['the cat']).counts[0]).toBe(0);
  });
});

describe('computeBleu (test_scoring, test_degenerate_statistics)', () => {
  test('counts [9,7,5,3] / [10,8,6,4], lengths 11/11 -> 0.8375922397', () => {
    expect(
      Math.abs(computeBleu([9, 7, 5, 3], [10, 8, 6, 4], 11, 11).score / 100 - 0.8375922397),
    ).toBeLessThan(1e-8);
  });

  test.each([
    [[0, 0, 0, 0], [4, 4, 2, 1], 0, 1, 0.0],
    [[0, 0, 0, 0], [10, 11, 12, 0], 14, 10, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.0],
    [[6, 5, 4, 0], [6, 5, 4, 3], 6, 6, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.1],
    [[0, 0, 0, 0], [0, 0, 0, 0], 1, 5, 0.01],
  ])(
    'floor smoothing, counts %j totals %j sys %d ref %d offset %d -> 0',
    (counts, totals, sysLen, refLen, offset) => {
      expect(
        computeBleu(counts, totals, sysLen, refLen, { smoothMethod: 'floor', smoothValue: offset }).score,
      ).toBe(0);
    },
  );

  test('rejects statistics of the wrong order', () => {
    expect(() => computeBleu([1, 1], [2, 2], 2, 2)).toThrow(MetricsError);
  });
});

describe('sentenceBleu (test_sentence_bleu.py, effective order)', () => {
  const REF = 'producţia de zahăr brut se exprimă în zahăr alb;';
  const SYS = 'Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;';
  test.each([
    ['exp', undefined, false, '13a', 8.493],
    ['none', undefined, false, '13a', 0.0],
    ['floor', undefined, false, '13a', 4.51688],
    ['floor', 0.1, false, '13a', 4.51688],
    ['floor', 0.5, false, '13a', 10.1],
    ['add-k', undefined, false, '13a', 14.882],
    ['add-k', 1, false, '13a', 14.882],
    ['add-k', 2, false, '13a', 21.389],
    ['exp', undefined, false, 'none', 7.347],
    ['exp', undefined, false, 'intl', 8.493],
    ['exp', undefined, false, 'char', 40.8759],
    ['exp', undefined, true, 'char', 42.0267],
  ] as const)(
    'smooth %s value %s lowercase %s tokenize %s -> %d',
    (smoothMethod, smoothValue, lowercase, tokenize, expected) => {
      const b = sentenceBleu(SYS, [REF], { smoothMethod, smoothValue, lowercase, tokenize });
      expect(Math.abs(b.score - expected)).toBeLessThan(1e-3);
    },
  );

  test.each(['exp', 'none', 'floor', 'add-k'] as const)(
    'no match at all scores 0 with %s smoothing (#141)',
    (smoothMethod) => {
      expect(sentenceBleu('this is a cat', 'okay thanks', { smoothMethod })).toMatchObject({ score: 0 });
    },
  );
});

describe('input validation', () => {
  test.each([
    [
      () => corpusBleu(['a', 'b'], ['a']),
      'hypotheses and references must have the same length: expected references.length 2 (= hypotheses.length), got 1',
    ],
    [() => corpusBleu([], []), 'corpusBleu: expected at least one hypothesis, got 0'],
    [
      () => corpusBleu(['a'], [['', '']]),
      'corpusBleu references[0]: expected at least one non-empty reference, got ["",""]',
    ],
    [
      () => corpusBleu(['a'], [[]]),
      'corpusBleu references[0]: expected at least one non-empty reference, got []',
    ],
    [
      () => corpusBleu(['a'], ['a'], { smoothMethod: 'bogus' as never }),
      'bleu smoothMethod: expected exp, floor, add-k or none, got "bogus"',
    ],
    [
      () => corpusBleu(['a'], ['a'], { maxNgramOrder: 0 }),
      'bleu maxNgramOrder: expected a positive integer, got 0',
    ],
    [() => corpusBleu([3 as unknown as string], ['a']), 'corpusBleu hypotheses[0]: expected a string, got 3'],
  ])('%#', (run, message) => {
    expect(run).toThrow(MetricsError);
    expect(run).toThrow(message);
  });
});
