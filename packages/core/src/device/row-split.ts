// How a (rows, cols) f32 table is kept in a memory with a largest array (DeviceMemory.maxArrayBytes, a GPU's largest
// storage binding): split by whole rows, as many as fit one array, rounded down to whole chunks of `align` rows where
// one chunk fits (the lm head's vocabulary chunks then never straddle a block). @lora/models splits its tables by it
// and @lora/sft's memory planner predicts those splits by it: one rule for both.

/**
 * Rows per array of a (rows, cols) f32 table in a memory whose largest array is `maxArrayBytes` (undefined: no limit,
 * all rows in one); with `align`, a multiple of it when at least that many rows fit; 0 when one row does not fit.
 */
export function rowsPerArray(
  rows: number,
  cols: number,
  maxArrayBytes: number | undefined,
  align = 1,
): number {
  if (maxArrayBytes === undefined || 4 * rows * cols <= maxArrayBytes) return rows;
  const fit = Math.floor(maxArrayBytes / (4 * cols));
  return fit >= align ? fit - (fit % align) : fit;
}
