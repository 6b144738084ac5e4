// Parallel hypothesis/reference inputs shared by BLEU, chrF, ROUGE-L and exact match.
import { checkSameLength, checkStrings, MetricsError, show } from './errors.js';

/** One reference string, or several acceptable references, per hypothesis. */
export type References = ReadonlyArray<string | readonly string[]>;

/**
 * Validates `hypotheses` against per-hypothesis `references` and returns each hypothesis's reference list.
 * With `dropEmpty` (sacreBLEU's rule for variable reference counts) empty strings are removed and a hypothesis left
 * with none throws.
 */
export function normalizeReferences(
  hypotheses: readonly string[],
  references: References,
  where: string,
  dropEmpty: boolean,
): string[][] {
  checkStrings(hypotheses, `${where} hypotheses`);
  if (!Array.isArray(references)) {
    throw new MetricsError(
      `${where} references: expected an array (one entry per hypothesis), got ${show(references)}`,
    );
  }
  checkSameLength(hypotheses, 'hypotheses', references, 'references');
  if (hypotheses.length === 0) throw new MetricsError(`${where}: expected at least one hypothesis, got 0`);
  return references.map((entry, i) => {
    const list = typeof entry === 'string' ? [entry] : entry;
    checkStrings(list, `${where} references[${i}]`);
    const kept = dropEmpty ? list.filter((r) => r !== '') : [...list];
    if (kept.length === 0) {
      throw new MetricsError(
        `${where} references[${i}]: expected at least one ${dropEmpty ? 'non-empty ' : ''}reference, got ${JSON.stringify(list)}`,
      );
    }
    return kept;
  });
}

/** Counts of n-grams: key = the n items joined by a space (items never contain whitespace). */
export function countNgrams(items: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= items.length; i++) {
    const key = n === 1 ? items[i]! : items.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
