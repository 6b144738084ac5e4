// One typed array holding `parts` one after another: a file's byte parts, a tensor's row blocks.

type Joinable = Uint8Array | Float32Array;

/** A new `Kind` array of every part's elements in order (empty when there are no parts). */
export function joinArrays<T extends Joinable>(Kind: new (n: number) => T, parts: readonly T[]): T {
  const out = new Kind(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
