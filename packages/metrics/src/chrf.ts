// chrF and chrF++ with sacreBLEU 2.x semantics (Popović 2015, 2017): character (and word) n-gram F-beta.
import { MetricsError, show } from './errors.js';
import { codePoints, pyRemoveWhitespace, pySplit } from './python-text.js';
import { countNgrams, normalizeReferences, type References } from './references.js';

/** Options of `corpusChrf` and `sentenceChrf`: n-gram orders, beta, lowercasing, whitespace, smoothing. */
export interface ChrfOptions {
  /** character n-gram order; default 6 */
  charOrder?: number;
  /** word n-gram order; default 0 (chrF). 2 gives chrF++ */
  wordOrder?: number;
  /** recall weight; default 2 */
  beta?: number;
  /** default false */
  lowercase?: boolean;
  /** keep whitespace inside character n-grams; default false */
  whitespace?: boolean;
  /** chrF++.py/NLTK/Moses epsilon smoothing instead of sacreBLEU's effective-order average; default false */
  epsSmoothing?: boolean;
}

/** A chrF (or chrF++) score with its settings. */
export interface ChrfScore {
  /** chrF in [0, 100] */
  score: number;
  charOrder: number;
  wordOrder: number;
  beta: number;
  /** corpus statistics: [hyp, ref, match] per order, character orders first, then word orders */
  statistics: number[];
}

interface Resolved {
  charOrder: number;
  wordOrder: number;
  beta: number;
  lowercase: boolean;
  whitespace: boolean;
  epsSmoothing: boolean;
}

function resolve(options: ChrfOptions): Resolved {
  const o = {
    charOrder: options.charOrder ?? 6,
    wordOrder: options.wordOrder ?? 0,
    beta: options.beta ?? 2,
    lowercase: options.lowercase ?? false,
    whitespace: options.whitespace ?? false,
    epsSmoothing: options.epsSmoothing ?? false,
  };
  if (!Number.isInteger(o.charOrder) || o.charOrder < 0) {
    throw new MetricsError(`chrf charOrder: expected an integer >= 0, got ${show(o.charOrder)}`);
  }
  if (!Number.isInteger(o.wordOrder) || o.wordOrder < 0) {
    throw new MetricsError(`chrf wordOrder: expected an integer >= 0, got ${show(o.wordOrder)}`);
  }
  if (o.charOrder + o.wordOrder === 0)
    throw new MetricsError('chrf: expected charOrder + wordOrder >= 1, got 0');
  if (!Number.isFinite(o.beta) || o.beta < 0)
    throw new MetricsError(`chrf beta: expected a number >= 0, got ${show(o.beta)}`);
  return o;
}

const PUNCTS = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/** chrF++ words: whitespace split, then one ASCII punctuation mark split off the end (else the start) of a word. */
function chrfWords(sentence: string): string[] {
  const words: string[] = [];
  for (const w of pySplit(sentence)) {
    const cps = codePoints(w);
    if (cps.length === 1) words.push(w);
    else if (PUNCTS.has(cps[cps.length - 1]!)) words.push(cps.slice(0, -1).join(''), cps[cps.length - 1]!);
    else if (PUNCTS.has(cps[0]!)) words.push(cps[0]!, cps.slice(1).join(''));
    else words.push(w);
  }
  return words;
}

/** Character n-gram counts; characters are code points, as Python slices strings. */
function charNgrams(chars: string, n: number): Map<string, number> {
  const cps = codePoints(chars);
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= cps.length; i++) {
    const key = cps.slice(i, i + n).join('');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** All n-gram counters of a (lowercased) sentence: character orders 1..charOrder, then word orders 1..wordOrder. */
function extract(sentence: string, o: Resolved): Array<Map<string, number>> {
  const chars = o.whitespace ? sentence : pyRemoveWhitespace(sentence);
  const out: Array<Map<string, number>> = [];
  for (let n = 1; n <= o.charOrder; n++) out.push(charNgrams(chars, n));
  if (o.wordOrder > 0) {
    const words = chrfWords(sentence);
    for (let n = 1; n <= o.wordOrder; n++) out.push(countNgrams(words, n));
  }
  return out;
}

/** f-score in [0, 100] from [hyp, ref, match] triples, as sacreBLEU's `CHRF._compute_f_score`. */
function fScore(stats: readonly number[], o: Resolved): number {
  const eps = 1e-16;
  const factor = o.beta ** 2;
  const order = o.charOrder + o.wordOrder;
  let score = 0;
  let effectiveOrder = 0;
  let avgPrec = 0;
  let avgRec = 0;
  for (let i = 0; i < order; i++) {
    const nHyp = stats[3 * i]!;
    const nRef = stats[3 * i + 1]!;
    const nMatch = stats[3 * i + 2]!;
    const prec = nHyp > 0 ? nMatch / nHyp : eps;
    const rec = nRef > 0 ? nMatch / nRef : eps;
    const denom = factor * prec + rec;
    score += denom > 0 ? ((1 + factor) * prec * rec) / denom : eps;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += prec;
      avgRec += rec;
      effectiveOrder++;
    }
  }
  if (o.epsSmoothing) return (100 * score) / order;
  if (effectiveOrder === 0) return 0;
  avgPrec /= effectiveOrder;
  avgRec /= effectiveOrder;
  if (avgPrec + avgRec === 0) return 0;
  return (100 * (1 + factor) * avgPrec * avgRec) / (factor * avgPrec + avgRec);
}

/** Statistics of one hypothesis against its best reference (highest sentence f-score; first wins ties). */
function segmentStats(hyp: string, refs: readonly string[], o: Resolved): number[] {
  const hypGrams = extract(hyp, o);
  let best: number[] = [];
  let bestF = -1;
  for (const ref of refs) {
    const refGrams = extract(ref, o);
    const stats: number[] = [];
    for (let k = 0; k < hypGrams.length; k++) {
      const h = hypGrams[k]!;
      const r = refGrams[k]!;
      let hypCount = 0;
      let match = 0;
      for (const [gram, c] of h) {
        hypCount += c;
        const rc = r.get(gram);
        if (rc !== undefined) match += Math.min(c, rc);
      }
      let refCount = 0;
      for (const c of r.values()) refCount += c;
      // sacreBLEU: hypothesis n-grams are not counted for an order where the reference has none
      stats.push(r.size > 0 ? hypCount : 0, refCount, match);
    }
    const f = fScore(stats, o);
    if (f > bestF) {
      bestF = f;
      best = stats;
    }
  }
  return best;
}

function chrfFromPairs(hypotheses: readonly string[], refLists: string[][], o: Resolved): ChrfScore {
  const order = o.charOrder + o.wordOrder;
  const sum = new Array<number>(3 * order).fill(0);
  const pre = (s: string): string => (o.lowercase ? s.toLowerCase() : s);
  for (let i = 0; i < hypotheses.length; i++) {
    const stats = segmentStats(pre(hypotheses[i]!), refLists[i]!.map(pre), o);
    for (let j = 0; j < sum.length; j++) sum[j]! += stats[j]!;
  }
  return {
    score: fScore(sum, o),
    charOrder: o.charOrder,
    wordOrder: o.wordOrder,
    beta: o.beta,
    statistics: sum,
  };
}

/**
 * Corpus chrF as `sacrebleu.corpus_chrf` (defaults chrF2: charOrder 6, wordOrder 0, beta 2, whitespace removed).
 * Statistics are summed over sentences, each against its best reference. Characters are Unicode code points, so
 * Chinese and other unsegmented scripts need no tokenizer. `references[i]` holds the reference(s) of hypothesis i;
 * empty reference strings are ignored.
 */
export function corpusChrf(
  hypotheses: readonly string[],
  references: References,
  options: ChrfOptions = {},
): ChrfScore {
  const o = resolve(options);
  return chrfFromPairs(hypotheses, normalizeReferences(hypotheses, references, 'corpusChrf', true), o);
}

/** Sentence chrF as sacreBLEU's `sentence_chrf`. */
export function sentenceChrf(
  hypothesis: string,
  references: string | readonly string[],
  options: ChrfOptions = {},
): ChrfScore {
  const o = resolve(options);
  return chrfFromPairs(
    [hypothesis],
    normalizeReferences([hypothesis], [references], 'sentenceChrf', true),
    o,
  );
}
