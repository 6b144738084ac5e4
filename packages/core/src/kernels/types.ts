// The kernel contract: every backend implements these signatures; the reference backend is the oracle.
// All kernels are synchronous, write into caller-owned outputs, and take row-major data with explicit dims as
// arrays in the active backend's memory (F32 / I32 / U8: typed arrays on the host, buffer views on a GPU). A kernel
// queues its work; nothing is read back to the host until someone awaits toHost().
// Letters: M/N/K matmul dims, T rows (tokens), C channels, V vocab, H heads, D head dim.
// The arguments of each kernel are in layer-args.ts and step-args.ts; this file is the contract that names them.
import type { HostArgs } from '../device/arrays.js';
import type {
  Adamw8bitArgs,
  AdamwArgs,
  BatchedMatmulArgs,
  CrossEntropyChunkArgs,
  CrossEntropyChunkBackwardArgs,
  EmbeddingArgs,
  EmbeddingBackwardArgs,
  LayernormArgs,
  LayernormBackwardArgs,
  MatmulArgs,
  Nf4MatmulArgs,
  RmsnormArgs,
  RmsnormBackwardArgs,
  RopeArgs,
  RowBlock,
  SgdArgs,
  SoftcapArgs,
  SoftcapBackwardArgs,
  SoftmaxArgs,
  SoftmaxBackwardArgs,
  UnaryArgs,
  UnaryBackwardArgs,
} from './layer-args.js';
import type {
  AddArgs,
  AddBiasArgs,
  ArgmaxChunkArgs,
  AxpyArgs,
  CausalSoftmaxArgs,
  ColumnSumsArgs,
  CountNonFiniteArgs,
  CrossEntropyStatsArgs,
  DequantizeAbsmaxArgs,
  DropoutArgs,
  FillArgs,
  GradClipArgs,
  MulArgs,
  Quantize4bitBlockwiseArgs,
  ScaleArgs,
  StridedCopyArgs,
  SumSquaresArgs,
  UniformNoiseArgs,
} from './step-args.js';

export type * from './layer-args.js';
export type * from './step-args.js';

/** Every kernel name and its signature. Backends register any subset; the reference registers all. */
export interface KernelSignatures {
  matmul: (args: MatmulArgs) => void;
  batchedMatmul: (args: BatchedMatmulArgs) => void;
  softmax: (args: SoftmaxArgs) => void;
  softmaxBackward: (args: SoftmaxBackwardArgs) => void;
  rmsnorm: (args: RmsnormArgs) => void;
  rmsnormBackward: (args: RmsnormBackwardArgs) => void;
  layernorm: (args: LayernormArgs) => void;
  layernormBackward: (args: LayernormBackwardArgs) => void;
  rope: (args: RopeArgs) => void;
  silu: (args: UnaryArgs) => void;
  siluBackward: (args: UnaryBackwardArgs) => void;
  geluTanh: (args: UnaryArgs) => void;
  geluTanhBackward: (args: UnaryBackwardArgs) => void;
  softcap: (args: SoftcapArgs) => void;
  softcapBackward: (args: SoftcapBackwardArgs) => void;
  crossEntropyChunk: (args: CrossEntropyChunkArgs) => void;
  crossEntropyChunkBackward: (args: CrossEntropyChunkBackwardArgs) => void;
  embedding: (args: EmbeddingArgs) => void;
  embeddingBackward: (args: EmbeddingBackwardArgs) => void;
  adamw: (args: AdamwArgs) => void;
  sgd: (args: SgdArgs) => void;
  adamw8bit: (args: Adamw8bitArgs) => void;
  nf4Matmul: (args: Nf4MatmulArgs) => void;
  fill: (args: FillArgs) => void;
  stridedCopy: (args: StridedCopyArgs) => void;
  add: (args: AddArgs) => void;
  mul: (args: MulArgs) => void;
  axpy: (args: AxpyArgs) => void;
  scale: (args: ScaleArgs) => void;
  addBias: (args: AddBiasArgs) => void;
  columnSums: (args: ColumnSumsArgs) => void;
  dropout: (args: DropoutArgs) => void;
  uniformNoise: (args: UniformNoiseArgs) => void;
  causalSoftmax: (args: CausalSoftmaxArgs) => void;
  argmaxChunk: (args: ArgmaxChunkArgs) => void;
  crossEntropyStats: (args: CrossEntropyStatsArgs) => void;
  sumSquares: (args: SumSquaresArgs) => void;
  gradClip: (args: GradClipArgs) => void;
  countNonFinite: (args: CountNonFiniteArgs) => void;
  dequantizeAbsmax: (args: DequantizeAbsmaxArgs) => void;
  quantize4bitBlockwise: (args: Quantize4bitBlockwiseArgs) => void;
}

/** A kernel's signature as a host backend implements it: typed arrays in place of device arrays. */
export type HostKernelSignatures = {
  [K in KernelName]: (args: HostArgs<Parameters<KernelSignatures[K]>[0]>) => void;
};

/** The name of a kernel, as `kernel(name)` and `registerKernel` take it. */
export type KernelName = keyof KernelSignatures;

/** Every kernel a complete backend implements (the conformance suite runs each on each backend); the load-time host jobs are HOST_KERNEL_NAMES. */
export const KERNEL_NAMES = [
  'matmul',
  'batchedMatmul',
  'softmax',
  'softmaxBackward',
  'rmsnorm',
  'rmsnormBackward',
  'layernorm',
  'layernormBackward',
  'rope',
  'silu',
  'siluBackward',
  'geluTanh',
  'geluTanhBackward',
  'softcap',
  'softcapBackward',
  'crossEntropyChunk',
  'crossEntropyChunkBackward',
  'embedding',
  'embeddingBackward',
  'adamw',
  'sgd',
  'adamw8bit',
  'nf4Matmul',
  'fill',
  'stridedCopy',
  'add',
  'mul',
  'axpy',
  'scale',
  'addBias',
  'columnSums',
  'dropout',
  'uniformNoise',
  'causalSoftmax',
  'argmaxChunk',
  'crossEntropyStats',
  'sumSquares',
  'gradClip',
  'countNonFinite',
  'dequantizeAbsmax',
] as const satisfies readonly KernelName[];

/**
 * Kernels whose arrays are host typed arrays on every backend (load-time jobs, such as quantizing a tensor as it
 * comes off the disk): a backend may implement them on the host; any backend without one, a device backend
 * included, is served by the reference.
 */
export const HOST_KERNEL_NAMES = ['quantize4bitBlockwise'] as const satisfies readonly KernelName[];

/** A kernel of HOST_KERNEL_NAMES. */
export type HostKernelName = (typeof HOST_KERNEL_NAMES)[number];

/** Whether `name` is a host kernel (host arrays on every backend). */
export function isHostKernel(name: KernelName): name is HostKernelName {
  return (HOST_KERNEL_NAMES as readonly string[]).includes(name);
}
