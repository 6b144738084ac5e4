// ROUGE-L (Lin 2004): F-measure of the longest common subsequence over tokens, as Google's rouge-score computes it.
import { checkStrings, MetricsError, show } from './errors.js';
import { normalizeReferences, type References } from './references.js';

/**
 * - `default`: rouge-score's tokenizer — lowercase, every run of characters outside [a-z0-9] is a separator.
 *   Non-Latin text (Chinese, accented letters' non-ASCII parts) is dropped, so Chinese scores 0.
 * - `cjk`: lowercase; each Han, Hiragana or Katakana character is a token; other runs of letters, marks and digits
 *   (any script) are tokens; punctuation and symbols separate. Use it for Chinese/Japanese (character-level ROUGE).
 * - a function: your own segmenter (e.g. a word segmenter's output).
 */
export type RougeTokenizer = 'default' | 'cjk' | ((text: string) => string[]);

/** Options of `rougeL` and `corpusRougeL`. */
export interface RougeOptions {
  tokenizer?: RougeTokenizer;
}

/** ROUGE-L precision, recall and F-measure. */
export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

const NON_ALNUM = /[^a-z0-9]+/g;
const CJK_OR_WORD =
  /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]|(?:(?![\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}])[\p{L}\p{M}\p{N}])+/gu;

/** Tokens ROUGE-L compares, for the given tokenizer. */
export function rougeTokenize(text: string, tokenizer: RougeTokenizer = 'default'): string[] {
  if (typeof tokenizer === 'function') {
    const tokens = tokenizer(text);
    checkStrings(tokens, 'rouge tokenizer result');
    return tokens;
  }
  if (tokenizer === 'default')
    return text
      .toLowerCase()
      .replace(NON_ALNUM, ' ')
      .split(' ')
      .filter((t) => t !== '');
  if (tokenizer === 'cjk') return text.toLowerCase().match(CJK_OR_WORD) ?? [];
  throw new MetricsError(`rouge tokenizer: expected 'default', 'cjk' or a function, got ${show(tokenizer)}`);
}

/** Length of the longest common subsequence (O(n·m) time, O(m) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0; // row[j-1] of the previous i
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(up, row[j - 1]!);
      diag = up;
    }
  }
  return row[b.length]!;
}

function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

function scoreTokens(prediction: string[], target: string[]): RougeScore {
  if (prediction.length === 0 || target.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const lcs = lcsLength(target, prediction);
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * ROUGE-L of one prediction against one or more references (rouge-score `score` / `score_multi`: with several
 * references the one with the highest F-measure wins, the first on ties). Empty token lists score 0.
 * Argument order is (prediction, reference), like the other metrics here; rouge-score's `score` takes
 * (target, prediction).
 */
export function rougeL(
  prediction: string,
  references: string | readonly string[],
  options: RougeOptions = {},
): RougeScore {
  const [refs] = normalizeReferences([prediction], [references], 'rougeL', false);
  const tokenizer = options.tokenizer ?? 'default';
  const pred = rougeTokenize(prediction, tokenizer);
  let best: RougeScore | undefined;
  for (const ref of refs!) {
    const s = scoreTokens(pred, rougeTokenize(ref, tokenizer));
    if (best === undefined || s.fmeasure > best.fmeasure) best = s;
  }
  return best!;
}

/**
 * Mean ROUGE-L precision, recall and F-measure over prediction/reference pairs. rouge-score's
 * BootstrapAggregator reports the median of resampled means (close to, not exactly, this mean).
 */
export function corpusRougeL(
  predictions: readonly string[],
  references: References,
  options: RougeOptions = {},
): RougeScore {
  const refLists = normalizeReferences(predictions, references, 'corpusRougeL', false);
  let p = 0;
  let r = 0;
  let f = 0;
  for (let i = 0; i < predictions.length; i++) {
    const s = rougeL(predictions[i]!, refLists[i]!, options);
    p += s.precision;
    r += s.recall;
    f += s.fmeasure;
  }
  const n = predictions.length;
  return { precision: p / n, recall: r / n, fmeasure: f / n };
}
