// Reading a sequence with one item in flight ahead: item i + 1 is read (async: the disk works in the background)
// while item i is prepared (synchronous: quantized, on the wasm backend on its worker threads). Never more than one
// read ahead, so a load holds what it has prepared plus about two items.

/**
 * Runs read(i) and then prepare(i, value) for i in [0, count), in order. read(i + 1) starts before prepare(i) when
 * early(i + 1), else right after it. A failure rejects once the read still in flight (if any) has settled, so the
 * caller may close what the reads use.
 */
export async function readOneAhead<T>(
  count: number,
  read: (i: number) => Promise<T>,
  prepare: (i: number, value: T) => void,
  early: (i: number) => boolean = () => true,
): Promise<void> {
  let ahead: Promise<T> | undefined = count > 0 ? read(0) : undefined;
  try {
    for (let i = 0; ahead !== undefined; i++) {
      const value = await ahead;
      ahead = undefined;
      const next = i + 1 < count ? i + 1 : undefined;
      const now = next !== undefined && early(next);
      if (now) ahead = read(next);
      prepare(i, value);
      if (next !== undefined && !now) ahead = read(next);
    }
  } finally {
    await ahead?.catch(() => undefined); // settles (its error, if any, is the lesser one) before we return
  }
}
