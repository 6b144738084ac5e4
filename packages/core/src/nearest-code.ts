// The nearest entry of a quantization code table, with bitsandbytes' rule (torch.argmin over |x − code| in float32,
// the first index on ties): the scan itself, a binary search over the sorted table that keeps the scan's ties, and a
// bucket table over [-1, 1] that answers it with one lookup for all but the few buckets holding a decision boundary.
// Blockwise quantization (the quantize4bitBlockwise kernel, quant-nf4's 8-bit blockwise) scales each element into
// [-1, 1] with scaledToUnit and codes it with these; the wasm backend takes the bucket table as it is.

const f32 = Math.fround;

/** Buckets over [-1, 1]: x falls in bucket ⌊(x + 1) · NEAREST_CODE_BUCKETS / 2⌋ (x = 1 in the last, extra one). */
export const NEAREST_CODE_BUCKETS = 4096;
/**
 * Adjacent distinct codes closer than this could round to the same |x − code| in float32 (|x − code| ≤ 2 has an ulp
 * of at most 2⁻²²), so more than two codes may tie: such tables (the 8-bit dynamic map near 0) get no bucket table,
 * only the tie-keeping search.
 */
const MIN_GAP = 2 ** -20;

/**
 * A blockwise-quantized element before its code lookup: value · inv (inv = 1 / the block's absmax) in float32,
 * clamped to [-1, 1]; 0 where that is NaN (an all-zero block's 0 · ∞), as bitsandbytes' default backend computes it.
 */
export function scaledToUnit(value: number, inv: number): number {
  const scaled = Math.min(1, Math.max(-1, f32(value * inv)));
  return Number.isNaN(scaled) ? 0 : scaled;
}

/** Index of the nearest code (first one on ties, like torch.argmin over |x - code| in float32). */
export function nearestCode(x: number, code: Float32Array): number {
  let best = 0;
  let bestDiff = Number.POSITIVE_INFINITY;
  for (let c = 0; c < code.length; c++) {
    const diff = Math.abs(f32(x - code[c]!));
    if (diff < bestDiff) {
      bestDiff = diff;
      best = c;
    }
  }
  return best;
}

/**
 * A table's distinct values ascending (0 and −0 are one), the lowest index holding each, and whether all are at least
 * MIN_GAP apart.
 */
function distinctCodes(code: Float32Array): { values: number[]; first: number[]; spaced: boolean } {
  const order = Array.from(code.keys()).sort((a, b) => code[a]! - code[b]! || a - b);
  const values: number[] = [];
  const first: number[] = [];
  let spaced = true;
  for (const c of order) {
    const v = code[c]!;
    if (values.length > 0 && values[values.length - 1] === v) continue;
    if (values.length > 0 && v - values[values.length - 1]! < MIN_GAP) spaced = false;
    values.push(v);
    first.push(c);
  }
  return { values, first, spaced };
}

/**
 * nearestCode(x, code) for a non-NaN x by binary search: |f32(x − v)| never decreases as v moves away from x on either
 * side (rounding is monotonic), so the least distance is at the value just below or just above x, and the values at
 * that same distance are runs next to them: the lowest table index over those runs is the scan's answer.
 */
function nearestBySearch(values: readonly number[], first: readonly number[], x: number): number {
  let lo = 0; // the first value > x is at lo once lo === hi
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  const below = lo - 1;
  const dBelow = below >= 0 ? Math.abs(f32(x - values[below]!)) : Number.POSITIVE_INFINITY;
  const dAbove = lo < values.length ? Math.abs(f32(x - values[lo]!)) : Number.POSITIVE_INFINITY;
  const best = Math.min(dBelow, dAbove);
  let index = Number.POSITIVE_INFINITY;
  for (let i = below; i >= 0 && Math.abs(f32(x - values[i]!)) === best; i--)
    index = Math.min(index, first[i]!);
  for (let i = lo; i < values.length && Math.abs(f32(x - values[i]!)) === best; i++)
    index = Math.min(index, first[i]!);
  return index;
}

/** The position in `values` of x's nearest code: the last value ≤ x or the next, the lower table index on ties. */
function position(values: readonly number[], first: readonly number[], x: number): number {
  let i = -1; // the last value ≤ x
  while (i + 1 < values.length && values[i + 1]! <= x) i++;
  if (i < 0) return 0;
  if (i + 1 >= values.length) return i;
  const lower = Math.abs(f32(x - values[i]!));
  const upper = Math.abs(f32(x - values[i + 1]!));
  if (lower !== upper) return lower < upper ? i : i + 1;
  return first[i]! < first[i + 1]! ? i : i + 1;
}

function bucketsOf(values: readonly number[], first: readonly number[]): Int8Array {
  const width = 2 / NEAREST_CODE_BUCKETS;
  const answer = new Int8Array(NEAREST_CODE_BUCKETS + 1).fill(-1);
  for (let b = 0; b <= NEAREST_CODE_BUCKETS; b++) {
    const lo = position(values, first, -1 + b * width - MIN_GAP);
    if (lo === position(values, first, -1 + (b + 1) * width + MIN_GAP)) answer[b] = first[lo]!;
  }
  return answer;
}

/**
 * (NEAREST_CODE_BUCKETS + 1) the table index nearestCode gives every x in [-1, 1] of bucket ⌊(x + 1) · 2048⌋, or −1
 * where the bucket holds a decision boundary (scan there). All −1 for a table with codes closer than 2⁻²⁰.
 */
export function nearestCodeBuckets(code: Float32Array): Int8Array {
  const distinct = distinctCodes(code);
  if (!distinct.spaced) return new Int8Array(NEAREST_CODE_BUCKETS + 1).fill(-1);
  return bucketsOf(distinct.values, distinct.first);
}

/**
 * nearestCode(x, code) for x in [-1, 1] (what blockwise quantization feeds it) without a scan over the table.
 * |f32(x − v)| only grows as v moves away from x on either side (rounding is monotonic), so the nearest code is the
 * largest distinct value ≤ x or the smallest ≥ x, the lower table index winning equal distances as in the scan; and
 * which of the sorted values wins never decreases as x grows, so a bucket of x whose two ends (widened by 2⁻²⁰) agree
 * has that answer throughout: one lookup for all but the buckets holding a decision boundary. A table with two
 * distinct values closer than MIN_GAP (where more than two may tie) gets the binary search that keeps every tie.
 */
export function nearestCodeFinder(code: Float32Array): (x: number) => number {
  const { values, first, spaced } = distinctCodes(code);
  if (!spaced) return (x) => (Number.isNaN(x) ? nearestCode(x, code) : nearestBySearch(values, first, x));
  const answer = bucketsOf(values, first);
  return (x) => {
    const known = answer[Math.floor((x + 1) * (NEAREST_CODE_BUCKETS / 2))]!;
    if (known >= 0) return known;
    return Number.isNaN(x) ? nearestCode(x, code) : first[position(values, first, x)]!; // NaN: the scan's answer, index 0
  };
}
