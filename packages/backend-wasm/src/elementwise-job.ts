// The elementwise job as the TypeScript side writes it: the JOB_KIND word and the argument words (JOB_ARGS..),
// whose indices and kind numbers come from the wasm module's exported globals (assembly/job.ts,
// assembly/elementwise/kinds.ts), so they are defined in one place.
import { WasmBackendError } from './errors.js';
import { globalValue } from './job.js';

export const ELEMENTWISE_KINDS = [
  'EW_SILU',
  'EW_SILU_BACKWARD',
  'EW_GELU_TANH',
  'EW_GELU_TANH_BACKWARD',
  'EW_SOFTMAX',
  'EW_SOFTMAX_BACKWARD',
  'EW_RMSNORM',
  'EW_RMSNORM_BACKWARD',
  'EW_CROSS_ENTROPY',
  'EW_CROSS_ENTROPY_BACKWARD',
  'EW_LAYERNORM',
  'EW_LAYERNORM_BACKWARD',
  'EW_ROPE',
  'EW_EMBEDDING',
  'EW_EMBEDDING_BACKWARD',
  'EW_ADAMW',
  'EW_MATH',
  'EW_FILL',
  'EW_STRIDED_COPY',
  'EW_ADD',
  'EW_MUL',
  'EW_AXPY',
  'EW_SCALE',
  'EW_ADD_BIAS',
  'EW_COLUMN_SUMS',
  'EW_DROPOUT',
  'EW_UNIFORM_NOISE',
  'EW_CAUSAL_SOFTMAX',
  'EW_ARGMAX_CHUNK',
  'EW_CROSS_ENTROPY_STATS',
  'EW_SUM_SQUARES',
  'EW_COUNT_NON_FINITE',
  'EW_DEQUANTIZE_ABSMAX',
  'EW_SGD',
  'EW_ADAMW8BIT',
  'EW_SOFTCAP',
  'EW_SOFTCAP_BACKWARD',
  'EW_QUANTIZE_4BIT',
] as const;

export type ElementwiseKind = (typeof ELEMENTWISE_KINDS)[number];

/** One argument word (or two, for f64): pointers and dims are i32. */
export type JobArg = { i32: number } | { f32: number } | { f64: number };

export const i32 = (value: number): JobArg => ({ i32: value });
export const f32 = (value: number): JobArg => ({ f32: value });
export const f64 = (value: number): JobArg => ({ f64: value });

export interface ElementwiseLayout {
  kindWord: number;
  argsWord: number;
  argWords: number;
  kinds: Record<ElementwiseKind, number>;
}

export function readElementwiseLayout(exports: WebAssembly.Exports): ElementwiseLayout {
  const kinds = {} as Record<ElementwiseKind, number>;
  for (const name of ELEMENTWISE_KINDS) kinds[name] = globalValue(exports, name);
  return {
    kindWord: globalValue(exports, 'JOB_KIND'),
    argsWord: globalValue(exports, 'JOB_ARGS'),
    argWords: globalValue(exports, 'JOB_ARG_WORDS'),
    kinds,
  };
}

/** Write kind `kind` and `args` (in the order the kernel's assembly documents) into the job at byte `ptr`. */
export function writeElementwiseJob(
  memory: WebAssembly.Memory,
  ptr: number,
  layout: ElementwiseLayout,
  kind: number,
  args: readonly JobArg[],
): void {
  const view = new DataView(memory.buffer, ptr, (layout.argsWord + layout.argWords) * 4);
  view.setInt32(layout.kindWord * 4, kind, true);
  let word = layout.argsWord;
  for (const arg of args) {
    const offset = word * 4;
    if ('i32' in arg) view.setInt32(offset, arg.i32, true);
    else if ('f32' in arg) view.setFloat32(offset, arg.f32, true);
    else {
      view.setFloat64(offset, arg.f64, true);
      word++;
    }
    word++;
  }
  if (word > layout.argsWord + layout.argWords) {
    throw new WasmBackendError(
      `elementwise job: expected at most ${layout.argWords} argument words, got ${word - layout.argsWord}`,
    );
  }
}
