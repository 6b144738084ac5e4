// The element type of every array argument of every kernel, for host backends that copy arrays as bytes (wasm): a
// Float64Array where a Float32Array belongs would be read as garbage, so they check the exact typed array at their
// boundary. The table is checked against the argument types: a missing or extra array, or a wrong type, fails to compile.
import type { DeviceArray, F32, I32, U8 } from '../device/arrays.js';
import { KernelArgumentError } from './check.js';
import type { KernelArgs } from './checks.js';
import type { KernelName } from './types.js';

/** An array argument's element type: float32, int32, uint8, or either float32 or int32 (fill). */
export type ArrayDtype = 'f32' | 'i32' | 'u8' | 'f32|i32';

type DtypeOf<T> = [T] extends [F32] ? 'f32' : [T] extends [I32] ? 'i32' : [T] extends [U8] ? 'u8' : 'f32|i32';
type ArrayKeys<A> = { [P in keyof A]-?: NonNullable<A[P]> extends DeviceArray ? P : never }[keyof A];
type ArraySpec<A> = { readonly [P in ArrayKeys<A>]: DtypeOf<NonNullable<A[P]>> };

/** Each kernel's array arguments and their element types (a nested object's arrays, nf4Matmul's `nested`, excluded). */
export const KERNEL_ARRAYS: { readonly [K in KernelName]: ArraySpec<KernelArgs<K>> } = {
  matmul: { a: 'f32', b: 'f32', out: 'f32' },
  batchedMatmul: { a: 'f32', b: 'f32', out: 'f32' },
  softmax: { x: 'f32', out: 'f32' },
  softmaxBackward: { y: 'f32', dy: 'f32', dx: 'f32' },
  rmsnorm: { x: 'f32', weight: 'f32', out: 'f32', rstd: 'f32' },
  rmsnormBackward: { dout: 'f32', x: 'f32', weight: 'f32', rstd: 'f32', dx: 'f32', dweightAccumulate: 'f32' },
  layernorm: { x: 'f32', weight: 'f32', bias: 'f32', out: 'f32', mean: 'f32', rstd: 'f32' },
  layernormBackward: {
    dout: 'f32',
    x: 'f32',
    weight: 'f32',
    mean: 'f32',
    rstd: 'f32',
    dx: 'f32',
    dweightAccumulate: 'f32',
    dbiasAccumulate: 'f32',
  },
  rope: { x: 'f32', out: 'f32', positions: 'i32', cos: 'f32', sin: 'f32' },
  silu: { x: 'f32', out: 'f32' },
  siluBackward: { x: 'f32', dout: 'f32', dx: 'f32' },
  geluTanh: { x: 'f32', out: 'f32' },
  geluTanhBackward: { x: 'f32', dout: 'f32', dx: 'f32' },
  softcap: { x: 'f32', out: 'f32' },
  softcapBackward: { y: 'f32', dy: 'f32', dx: 'f32' },
  crossEntropyChunk: {
    logits: 'f32',
    targets: 'i32',
    runningMax: 'f32',
    runningSum: 'f32',
    targetLogit: 'f32',
  },
  crossEntropyChunkBackward: { logits: 'f32', targets: 'i32', lse: 'f32', rowScale: 'f32', dlogits: 'f32' },
  embedding: { ids: 'i32', table: 'f32', out: 'f32' },
  embeddingBackward: { ids: 'i32', dout: 'f32', dtableAccumulate: 'f32' },
  adamw: { param: 'f32', grad: 'f32', m: 'f32', v: 'f32', gradScale: 'f32' },
  sgd: { param: 'f32', grad: 'f32', gradScale: 'f32' },
  adamw8bit: {
    param: 'f32',
    grad: 'f32',
    state1: 'u8',
    state2: 'u8',
    absmax1: 'f32',
    absmax2: 'f32',
    qmap1: 'f32',
    qmap2: 'f32',
    gradScale: 'f32',
  },
  nf4Matmul: { x: 'f32', packed: 'u8', absmax: 'f32', code: 'f32', out: 'f32' },
  fill: { x: 'f32|i32' },
  stridedCopy: { src: 'f32', dst: 'f32' },
  add: { a: 'f32', b: 'f32', out: 'f32' },
  mul: { a: 'f32', b: 'f32', out: 'f32' },
  axpy: { x: 'f32', y: 'f32' },
  scale: { x: 'f32', out: 'f32' },
  addBias: { x: 'f32', bias: 'f32' },
  columnSums: { x: 'f32', outAccumulate: 'f32' },
  dropout: { x: 'f32', out: 'f32' },
  uniformNoise: { x: 'f32' },
  causalSoftmax: { x: 'f32', out: 'f32', keyMask: 'i32', maskOffsets: 'i32' },
  argmaxChunk: { logits: 'f32', bestValue: 'f32', bestIndex: 'i32' },
  crossEntropyStats: {
    targets: 'i32',
    runningMax: 'f32',
    runningSum: 'f32',
    targetLogit: 'f32',
    bestIndex: 'i32',
    lse: 'f32',
    stats: 'f32',
  },
  sumSquares: { x: 'f32', out: 'f32' },
  gradClip: { sumSquares: 'f32', factor: 'f32' },
  countNonFinite: { x: 'f32', out: 'f32' },
  dequantizeAbsmax: { qabsmax: 'u8', nestedAbsmax: 'f32', nestedCode: 'f32', out: 'f32' },
  quantize4bitBlockwise: { values: 'f32', code: 'f32', packed: 'u8', absmax: 'f32' },
};

const TYPES: Record<ArrayDtype, readonly (typeof Float32Array | typeof Int32Array | typeof Uint8Array)[]> = {
  f32: [Float32Array],
  i32: [Int32Array],
  u8: [Uint8Array],
  'f32|i32': [Float32Array, Int32Array],
};

/**
 * Checks that each array argument of `kernel` present in `args` is exactly its typed array (a Float32Array for an
 * F32, …); throws KernelArgumentError naming the argument, the expected type and the one found.
 */
export function checkHostArrays(kernel: KernelName, args: object): void {
  for (const [key, dtype] of Object.entries(KERNEL_ARRAYS[kernel]) as [string, ArrayDtype][]) {
    const value = (args as Record<string, unknown>)[key];
    if (value === undefined || TYPES[dtype].some((type) => value instanceof type)) continue;
    const got = value === null ? 'null' : ((value as object).constructor?.name ?? typeof value);
    const want = TYPES[dtype].map((type) => `${type === Int32Array ? 'an' : 'a'} ${type.name}`).join(' or ');
    throw new KernelArgumentError(`${kernel}: ${key} expected ${want}, got ${got}`);
  }
}
