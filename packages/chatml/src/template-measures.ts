// Sizes of results measured before an operation builds them, where the result would be much larger than its input:
// `str.split()` (a list object per part) and indentation widths (repeated on every line or item). Each count stops at
// `stop`, so measuring costs no more than the budget it checks.
import type { JinjaValue } from './template-values.js';

const WHITESPACE = /\s/;

/** How many parts `text.split(sep)` (Python's str.split, as @huggingface/jinja implements it) gives, up to `stop`. */
export function countSplitParts(text: string, sep: JinjaValue | undefined, stop: number): number {
  let parts = 0;
  if (sep === undefined || sep.type === 'NullValue') {
    let inWord = false;
    for (let i = 0; i < text.length && parts < stop; i++) {
      const space = WHITESPACE.test(text[i]!);
      if (!space && !inWord) parts++;
      inWord = !space;
    }
    return parts;
  }
  if (sep.type !== 'StringValue' || sep.value === '') return 0; // the library refuses these itself
  const separator = sep.value as string;
  parts = 1;
  for (
    let i = text.indexOf(separator);
    i >= 0 && parts < stop;
    i = text.indexOf(separator, i + separator.length)
  ) {
    parts++;
  }
  return parts;
}

/** Lines of a string value (0 for any other value), up to `stop`. */
export function countLines(value: JinjaValue, stop: number): number {
  if (value.type !== 'StringValue') return 0;
  const text = value.value as string;
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0 && lines < stop; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

/** Items in a value's lists and mappings, nested ones included (each reference counted, as printing does), up to `stop`. */
export function countItems(value: JinjaValue, stop: number): number {
  let count = 0;
  const open = new Set<JinjaValue>(); // a namespace can hold itself
  const visit = (v: JinjaValue): void => {
    const items = v.value instanceof Map ? [...(v.value as Map<string, JinjaValue>).values()] : v.value;
    if (!Array.isArray(items) || open.has(v)) return;
    open.add(v);
    for (const item of items as JinjaValue[]) {
      if (++count >= stop) break;
      visit(item);
      if (count >= stop) break;
    }
    open.delete(v);
  };
  visit(value);
  return count;
}
