// Reference: bitsandbytes dequantize_4bit with compress_statistics (the nested absmax) — the block scales of a 4-bit
// weight as the NF4 kernels read them (pack-nf4.ts, nf4-dot.ts), from a small descriptor in wasm memory: the stored
// f32 absmax, or the double-quantized form restored as it is read, f32(f32(nestedCode[q[b]] · nestedAbsmax[b / nb]) +
// offset): the reference's and dequantizeAbsmax's formula, so both forms give the same bits and no restored copy of
// the scales is ever written.

/** descriptor word 0: the scales are f32 absmax at word 1 */
export const SCALES_PLAIN: i32 = 0;
/** descriptor word 0: the scales are nested: words 1-5 are qabsmax (u8), nestedAbsmax, nestedCode, nb, offset (f32) */
export const SCALES_NESTED: i32 = 1;
/** bytes of a descriptor */
export const SCALES_BYTES: i32 = 24;

/** the scale of block `block` of the weight whose descriptor is at `scales` */
@inline
export function blockScale(scales: usize, block: i32): f32 {
  const first = <usize>load<u32>(scales, 4);
  if (load<i32>(scales) === SCALES_PLAIN) return load<f32>(first + ((<usize>block) << 2));
  const q = <usize>load<u8>(first + <usize>block);
  const nestedAbsmax = <usize>load<u32>(scales, 8);
  const nestedCode = <usize>load<u32>(scales, 12);
  const nb = load<i32>(scales, 16);
  const scaled: f32 = load<f32>(nestedCode + (q << 2)) * load<f32>(nestedAbsmax + ((<usize>(block / nb)) << 2));
  return scaled + load<f32>(scales, 20);
}
