// The parts that need no file system: parse and serialize whole files held in memory.

export { parseSafetensors, SafetensorsBuffer } from './buffer.js';
export type { TensorTypedArray, TypedArrayOf } from './decode.js';
export { F32_READABLE } from './decode.js';
export type { SafetensorsDtype } from './dtypes.js';
export { DTYPES, dtypeBits, isDtype } from './dtypes.js';
export type { SafetensorsErrorCode } from './errors.js';
export { SafetensorsError } from './errors.js';
export type { TensorInfo } from './header.js';
export { MAX_HEADER_SIZE } from './header.js';
export type { TensorData, TensorInput, TensorInputs } from './serialize.js';
export { serializeSafetensors, serializeSafetensorsParts } from './serialize.js';
