export { parseSafetensors, SafetensorsBuffer } from './buffer.js';
export {
  openCheckpoint,
  SAFE_WEIGHTS_INDEX_NAME,
  SAFE_WEIGHTS_NAME,
  SafetensorsCheckpoint,
} from './checkpoint.js';
export type { TensorTypedArray, TypedArrayOf } from './decode.js';
export { F32_READABLE } from './decode.js';
export type { SafetensorsDtype } from './dtypes.js';
export { DTYPES, dtypeBits, isDtype } from './dtypes.js';
export type { SafetensorsErrorCode } from './errors.js';
export { SafetensorsError } from './errors.js';
export { SafetensorsFile } from './file.js';
export type { TensorInfo } from './header.js';
export { MAX_HEADER_SIZE } from './header.js';
export type { TensorReader } from './reader.js';
export type { TensorData, TensorInput, TensorInputs } from './serialize.js';
export { serializeSafetensors, serializeSafetensorsParts } from './serialize.js';
export type { ShardedWriteOptions, ShardedWriteResult, ShardPlan } from './shards.js';
export { DEFAULT_MAX_SHARD_BYTES, planShards, writeShardedCheckpoint } from './shards.js';
export type { WriteOptions, WriteProgress } from './write.js';
export { writeSafetensors } from './write.js';
