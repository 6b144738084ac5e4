// Token ids of a rendered conversation and which of them train: the ids are always those of the whole text; the
// trained spans come from the segments, aligned token-exactly without needing the tokenizer's offsets.

/** A piece of rendered text and whether its tokens are trained. */
export interface TextSegment {
  text: string;
  train: boolean;
}

/** `encodeSegments`' result: the ids of the whole text, and which of them are trained. */
export interface EncodedSegments {
  /** encode(whole text): exactly what tokenizing the rendered text gives */
  ids: number[];
  /** per token: does it belong to (or straddle into) a trained segment */
  trained: boolean[];
  /** true when encoding segment by segment gave the same ids (the cheap path) */
  exact: boolean;
  /** tokens that cross a boundary between a trained and an untrained segment (trained, conservatively) */
  straddling: number;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

function commonSuffix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  return i;
}

/** Adjacent segments with the same flag merged, empty ones dropped. */
function runs(segments: readonly TextSegment[]): TextSegment[] {
  const out: TextSegment[] = [];
  for (const s of segments) {
    if (s.text === '') continue;
    const last = out.at(-1);
    if (last !== undefined && last.train === s.train) last.text += s.text;
    else out.push({ text: s.text, train: s.train });
  }
  return out;
}

/**
 * Encode `segments` as one text and mark the tokens of trained segments.
 *
 * Cheap path: when the segments encoded one by one concatenate to the whole text's ids (typical of byte-level BPE
 * whose special tokens sit at the boundaries, e.g. Qwen ChatML), each segment owns its own tokens.
 * Otherwise (SentencePiece's dummy-prefix space on every separate encode, or a BPE merge across a boundary) each
 * boundary is found on the whole-text ids: if encode(text before it) is a prefix of the ids the boundary falls
 * between tokens; if not, the tokens between that common prefix and the common suffix with encode(text after it)
 * straddle the boundary and are trained when either side is.
 */
export function encodeSegments(
  segments: readonly TextSegment[],
  encode: (text: string) => number[],
): EncodedSegments {
  const parts = runs(segments);
  const full = parts.map((p) => p.text).join('');
  const ids = encode(full);
  const pieces = parts.map((p) => encode(p.text));
  if (sameIds(pieces.flat(), ids)) {
    const trained = pieces.flatMap((piece, r) => piece.map(() => parts[r]!.train));
    return { ids, trained, exact: true, straddling: 0 };
  }

  const trained = new Array<boolean>(ids.length).fill(false);
  let straddling = 0;
  let start = 0; // first token certainly in the current run
  let chars = 0;
  for (let r = 0; r < parts.length; r++) {
    const part = parts[r]!;
    chars += part.text.length;
    let lo = ids.length;
    let hi = ids.length;
    if (r < parts.length - 1) {
      const before = encode(full.slice(0, chars));
      lo = Math.max(start, commonPrefix(before, ids));
      hi = lo;
      if (lo !== before.length) {
        hi = Math.max(lo, ids.length - commonSuffix(encode(full.slice(chars)), ids));
      }
    }
    for (let t = start; t < lo; t++) trained[t] = part.train;
    if (hi > lo) {
      const either = part.train || parts[r + 1]!.train;
      for (let t = lo; t < hi; t++) trained[t] = either;
      if (part.train !== parts[r + 1]!.train) straddling += hi - lo;
    }
    start = hi;
  }
  return { ids, trained, exact: false, straddling };
}
