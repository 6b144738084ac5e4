// Restores a double-quantized 4-bit absmax (bitsandbytes dequantize_blockwise of the nested 8-bit codes, plus the
// offset) on webgpu, one invocation per value. The product is rounded before the offset is added, as the reference
// rounds it: `rounded` keeps the compiler from fusing the two into one fma, so the result is exact.
import { checkDequantizeAbsmaxArgs, type DequantizeAbsmaxArgs } from '@lora/core';
import type { WebGpuState } from '../state.js';
import { flatProgram, ROUNDED, runFlat } from './flat-program.js';

/** out[i] = f32(f32(code[q[i]] · nestedAbsmax[⌊i / nestedBlocksize⌋]) + offset) */
const DEQUANTIZE_ABSMAX = flatProgram(
  'dequantizeAbsmax',
  [
    { name: 'qabsmax', type: 'u8' },
    { name: 'nestedAbsmax', type: 'f32' },
    { name: 'nestedCode', type: 'f32' },
    { name: 'out', type: 'f32', write: true },
  ],
  [
    { name: 'nestedBlocksize', type: 'u32' },
    { name: 'offset', type: 'f32' },
    { name: 'zero', type: 'u32' },
  ],
  'st_out(i, rounded(ld_nestedCode(ld_qabsmax(i)) * ld_nestedAbsmax(i / p.nestedBlocksize)) + p.offset);',
  ROUNDED,
);

export function dequantizeAbsmax(gpu: WebGpuState, args: DequantizeAbsmaxArgs): void {
  checkDequantizeAbsmaxArgs(args);
  const { n, nestedBlocksize, offset } = args;
  runFlat(
    gpu,
    DEQUANTIZE_ABSMAX,
    { qabsmax: args.qabsmax, nestedAbsmax: args.nestedAbsmax, nestedCode: args.nestedCode, out: args.out },
    { n, nestedBlocksize, offset, zero: 0 },
  );
}
