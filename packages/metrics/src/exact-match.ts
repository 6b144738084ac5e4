// Exact match of generated answers against references, with optional SQuAD-style normalisation.
import { pyStrip } from './python-text.js';
import { normalizeReferences, type References } from './references.js';

/** How `normalizeText` prepares answers before they are compared. */
export interface NormalizeOptions {
  /** Unicode NFKC first (full-width Ａ１ → A1, ① → 1); default false */
  nfkc?: boolean;
  /** default false */
  lowercase?: boolean;
  /** remove every Unicode punctuation or symbol character (\p{P}, \p{S}: ASCII !"#…~ and 。，、「」《》！？ alike) */
  stripPunctuation?: boolean;
  /** turn whitespace runs into one space; default false */
  collapseWhitespace?: boolean;
  /** remove leading and trailing whitespace; default false */
  trim?: boolean;
}

const PUNCT_OR_SYMBOL = /[\p{P}\p{S}]/gu;
const WS_RUN = /\s+/gu;

/** Applies the chosen steps in a fixed order: nfkc, lowercase, stripPunctuation, collapseWhitespace, trim. */
export function normalizeText(text: string, options: NormalizeOptions = {}): string {
  let s = text;
  if (options.nfkc) s = s.normalize('NFKC');
  if (options.lowercase) s = s.toLowerCase();
  if (options.stripPunctuation) s = s.replace(PUNCT_OR_SYMBOL, '');
  if (options.collapseWhitespace) s = s.replace(WS_RUN, ' ');
  if (options.trim) s = pyStrip(s.trim());
  return s;
}

/** The exact-match rate and its counts. */
export interface ExactMatchResult {
  /** matches / total, in [0, 1] */
  score: number;
  matches: number;
  total: number;
}

/**
 * Fraction of predictions equal to (one of) their reference(s) after `normalizeText`. Nothing is normalised unless
 * asked. Throws `MetricsError` on empty input or a length mismatch.
 */
export function exactMatch(
  predictions: readonly string[],
  references: References,
  options: NormalizeOptions = {},
): ExactMatchResult {
  const refLists = normalizeReferences(predictions, references, 'exactMatch', false);
  let matches = 0;
  for (let i = 0; i < predictions.length; i++) {
    const p = normalizeText(predictions[i]!, options);
    if (refLists[i]!.some((r) => normalizeText(r, options) === p)) matches++;
  }
  const total = predictions.length;
  return { score: matches / total, matches, total };
}
