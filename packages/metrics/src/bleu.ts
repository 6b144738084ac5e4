// Corpus and sentence BLEU with sacreBLEU 2.x semantics (Papineni et al. 2002; smoothing per Chen & Cherry 2014).
import { type BleuTokenizer, bleuTokenize } from './bleu-tokenizers.js';
import { MetricsError, show } from './errors.js';
import { pyRstrip } from './python-text.js';
import { countNgrams, normalizeReferences, type References } from './references.js';

/** sacreBLEU's smoothing methods. */
export type BleuSmoothing = 'exp' | 'floor' | 'add-k' | 'none';

/** Options of `corpusBleu` and `sentenceBleu`: tokenizer, lowercasing, smoothing, n-gram order, effective order. */
export interface BleuOptions {
  /** default '13a'; use 'zh' for Chinese */
  tokenize?: BleuTokenizer;
  /** lowercase hypotheses and references first; default false */
  lowercase?: boolean;
  /** default 'exp' (NIST / mteval-v13a) */
  smoothMethod?: BleuSmoothing;
  /** for 'floor' (default 0.1) and 'add-k' (default 1) */
  smoothValue?: number;
  /** default 4 */
  maxNgramOrder?: number;
  /** stop at the highest order with any hypothesis n-grams; default false (corpusBleu), true (sentenceBleu) */
  effectiveOrder?: boolean;
}

/** A BLEU score with its n-gram counts and precisions, brevity penalty and lengths, as sacreBLEU reports them. */
export interface BleuScore {
  /** BLEU in [0, 100] */
  score: number;
  /** matched n-grams per order (clipped by the reference counts) */
  counts: number[];
  /** hypothesis n-grams per order */
  totals: number[];
  /** n-gram precisions in [0, 100] after smoothing */
  precisions: number[];
  /** brevity penalty */
  bp: number;
  /** hypothesis tokens */
  sysLen: number;
  /** closest reference tokens (ties go to the shorter reference) */
  refLen: number;
  /** sysLen / refLen (0 when refLen is 0) */
  ratio: number;
}

const SMOOTH_DEFAULTS: Record<BleuSmoothing, number> = { none: 0, floor: 0.1, 'add-k': 1, exp: 0 };

interface Resolved {
  tokenize: BleuTokenizer;
  lowercase: boolean;
  smoothMethod: BleuSmoothing;
  smoothValue: number;
  maxOrder: number;
  effectiveOrder: boolean;
}

function resolve(options: BleuOptions, effectiveDefault: boolean): Resolved {
  const smoothMethod = options.smoothMethod ?? 'exp';
  if (!(smoothMethod in SMOOTH_DEFAULTS)) {
    throw new MetricsError(
      `bleu smoothMethod: expected exp, floor, add-k or none, got ${show(smoothMethod)}`,
    );
  }
  const maxOrder = options.maxNgramOrder ?? 4;
  if (!Number.isInteger(maxOrder) || maxOrder < 1) {
    throw new MetricsError(`bleu maxNgramOrder: expected a positive integer, got ${show(maxOrder)}`);
  }
  const smoothValue = options.smoothValue ?? SMOOTH_DEFAULTS[smoothMethod];
  if (!Number.isFinite(smoothValue) || smoothValue < 0) {
    throw new MetricsError(`bleu smoothValue: expected a finite number >= 0, got ${show(smoothValue)}`);
  }
  return {
    tokenize: options.tokenize ?? '13a',
    lowercase: options.lowercase ?? false,
    smoothMethod,
    smoothValue,
    maxOrder,
    effectiveOrder: options.effectiveOrder ?? effectiveDefault,
  };
}

function preprocess(line: string, o: Resolved): string[] {
  return bleuTokenize(pyRstrip(o.lowercase ? line.toLowerCase() : line), o.tokenize);
}

/** log with sacreBLEU's floor for zero precisions. */
function myLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/** BLEU from sufficient statistics, as sacreBLEU's `BLEU.compute_bleu`. */
export function computeBleu(
  counts: readonly number[],
  totals: readonly number[],
  sysLen: number,
  refLen: number,
  options: BleuOptions = {},
): BleuScore {
  const o = resolve(options, false);
  if (counts.length !== o.maxOrder || totals.length !== o.maxOrder) {
    throw new MetricsError(
      `computeBleu: expected counts and totals of length maxNgramOrder ${o.maxOrder}, got ${counts.length} and ${totals.length}`,
    );
  }
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(o.maxOrder).fill(0);
  const result = { counts: [...counts], totals: [...totals], precisions, bp, sysLen, refLen };
  const ratio = refLen ? sysLen / refLen : 0;
  if (!counts.some((c) => c !== 0)) return { score: 0, ...result, ratio };

  const correct = [...counts];
  const total = [...totals];
  let smoothMteval = 1;
  let effOrder = o.maxOrder;
  for (let n = 1; n <= o.maxOrder; n++) {
    if (o.smoothMethod === 'add-k' && n > 1) {
      correct[n - 1]! += o.smoothValue;
      total[n - 1]! += o.smoothValue;
    }
    if (total[n - 1] === 0) break;
    if (o.effectiveOrder) effOrder = n;
    if (correct[n - 1] === 0) {
      if (o.smoothMethod === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * total[n - 1]!);
      } else if (o.smoothMethod === 'floor') {
        precisions[n - 1] = (100 * o.smoothValue) / total[n - 1]!;
      }
    } else {
      precisions[n - 1] = (100 * correct[n - 1]!) / total[n - 1]!;
    }
  }
  let logSum = 0;
  for (let n = 0; n < effOrder; n++) logSum += myLog(precisions[n]!);
  return { score: bp * Math.exp(logSum / effOrder), ...result, ratio };
}

/** Per-sentence statistics [hypLen, refLen, correct(1..N), total(1..N)] against several references. */
function segmentStats(hyp: string[], refs: string[][], maxOrder: number): number[] {
  const refMax = new Map<string, number>();
  let closestDiff = -1;
  let closestLen = -1;
  for (const ref of refs) {
    const diff = Math.abs(hyp.length - ref.length);
    if (closestDiff === -1 || diff < closestDiff || (diff === closestDiff && ref.length < closestLen)) {
      closestDiff = diff;
      closestLen = ref.length;
    }
    for (let n = 1; n <= maxOrder; n++) {
      for (const [gram, c] of countNgrams(ref, n)) {
        const key = `${n}\u0000${gram}`;
        if (c > (refMax.get(key) ?? 0)) refMax.set(key, c);
      }
    }
  }
  const correct = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  for (let n = 1; n <= maxOrder; n++) {
    for (const [gram, c] of countNgrams(hyp, n)) {
      total[n - 1]! += c;
      correct[n - 1]! += Math.min(c, refMax.get(`${n}\u0000${gram}`) ?? 0);
    }
  }
  return [hyp.length, closestLen, ...correct, ...total];
}

function bleuFromPairs(
  hypotheses: readonly string[],
  refLists: string[][],
  o: Resolved,
  opts: BleuOptions,
): BleuScore {
  const sum = new Array<number>(2 + 2 * o.maxOrder).fill(0);
  for (let i = 0; i < hypotheses.length; i++) {
    const refs = refLists[i]!.map((r) => preprocess(r, o));
    const stats = segmentStats(preprocess(hypotheses[i]!, o), refs, o.maxOrder);
    for (let j = 0; j < sum.length; j++) sum[j]! += stats[j]!;
  }
  const counts = sum.slice(2, 2 + o.maxOrder);
  const totals = sum.slice(2 + o.maxOrder);
  return computeBleu(counts, totals, sum[0]!, sum[1]!, { ...opts, effectiveOrder: o.effectiveOrder });
}

/**
 * Corpus BLEU as `sacrebleu.corpus_bleu` (defaults: 13a, exp smoothing, 4-grams, no effective order): n-gram
 * statistics are summed over the corpus, then combined once. `references[i]` holds the reference(s) of
 * `hypotheses[i]` (note: sacreBLEU takes reference *streams*; this takes per-hypothesis lists). Empty reference
 * strings are ignored, as sacreBLEU does for variable reference counts.
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: References,
  options: BleuOptions = {},
): BleuScore {
  const o = resolve(options, false);
  return bleuFromPairs(
    hypotheses,
    normalizeReferences(hypotheses, references, 'corpusBleu', true),
    o,
    options,
  );
}

/** Sentence BLEU as sacreBLEU's `sentence_bleu` (effective order on by default). */
export function sentenceBleu(
  hypothesis: string,
  references: string | readonly string[],
  options: BleuOptions = {},
): BleuScore {
  const o = resolve(options, true);
  return bleuFromPairs(
    [hypothesis],
    normalizeReferences([hypothesis], [references], 'sentenceBleu', true),
    o,
    options,
  );
}
