export {
  NF4_CODE,
  FP4_CODE,
  codeFor,
  createDynamicMap,
  nearestCode,
  nearestCodeFinder,
} from './codebooks.js';
export type { QuantType } from './codebooks.js';
export {
  blockCount,
  dequantize4bitBlockwise,
  dequantize8bitBlockwise,
  quantize4bitBlockwise,
  quantize8bitBlockwise,
} from './blockwise.js';
export type { BlockwiseResult } from './blockwise.js';
export {
  NESTED_BLOCKSIZE,
  QuantizationError,
  compressAbsmax,
  dequantize4bit,
  elementCount,
  quantize4bit,
  resolveAbsmax,
  validateBlocksize,
} from './quantize.js';
export type { NestedAbsmax, QuantizeOptions, QuantizedTensor, StorageDtype } from './quantize.js';
export { bitsPerParameter, measuredBitsPerParameter, quantizedBytes } from './memory.js';
export {
  QuantStateError,
  isQuantStateKey,
  isQuantizedWeight,
  quantizedFromStateDict,
  quantizedToStateDict,
} from './state-dict.js';
export type { TensorRecord } from './state-dict.js';
export { bnbQuantizationConfig, parseBnbQuantizationConfig } from './config.js';
export type { BnbQuantizationConfig } from './config.js';
export { Nf4Linear } from './nf4-linear.js';
export type { Nf4LinearOptions } from './nf4-linear.js';
