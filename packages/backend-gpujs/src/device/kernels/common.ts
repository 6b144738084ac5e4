// What every device kernel shares: its context (memory and executor), the launch builder for 1-D outputs, and the
// helper functions gpu.js compiles into the kernels that call them (exact integer division in float32 arithmetic).
import type { DeviceArray, KernelName, KernelSignatures } from '@lora/core';
import type { KernelSpec } from '../../runner.js';
import type { TextureArray, TextureRecord } from '../arrays.js';
import type { Launch, LaunchArg, TextureExecutor } from '../executor.js';
import type { GpujsMemory } from '../memory.js';

/** The memory a device kernel's arrays belong to and the executor its launches go to. */
export interface DeviceContext {
  memory: GpujsMemory;
  ex: TextureExecutor;
}

/** Device kernel implementations by registry name. */
export type DeviceKernels = {
  [K in KernelName]?: (gx: DeviceContext, args: Parameters<KernelSignatures[K]>[0]) => void;
};

/** The largest finite float32: |v| ≤ FLT_MAX is false exactly for NaN and ±Infinity. */
export const FLT_MAX = 3.4028234663852886e38;

/** `array` as a texture array of this memory; a host array, another memory's or a freed one is refused. */
export function own(
  gx: DeviceContext,
  array: DeviceArray | undefined,
  kernel: string,
  label: string,
): TextureArray {
  return gx.memory.own(array, `kernel ${kernel}`, label);
}

/**
 * ⌊a / b⌋ for integers a ≥ 0, b > 0 below 2^24, exactly: GPU float division may be off by an ulp, which floor
 * turns into an off-by-one near multiples of b; the remainder puts it right.
 */
export function divFloor(a: number, b: number): number {
  let q = Math.floor(a / b);
  const r = a - q * b;
  if (r < 0) q = q - 1;
  if (r >= b) q = q + 1;
  return q;
}

type KernelFn = KernelSpec['fn'];

interface LaunchOptions {
  constants?: Record<string, number>;
  // biome-ignore lint/suspicious/noExplicitAny: gpu.js helper functions are plain numeric functions
  functions?: ((...args: any[]) => number)[];
}

/**
 * A launch of `fn` over `count` cells (a 1-D output; the kernel splits the index itself). `args` name the kernel's
 * parameters in order: a device array or record is a 'Texture' argument, a number a 'Float'.
 */
export function cells(
  key: string,
  fn: KernelFn,
  count: number,
  args: [name: string, value: LaunchArg][],
  options: LaunchOptions = {},
): Launch {
  const argumentTypes = Object.fromEntries(
    args.map(([name, value]) => [name, typeof value === 'number' ? 'Float' : 'Texture'] as const),
  );
  return {
    key: `${key}:${count}`,
    spec: () => ({
      fn,
      output: [count],
      argumentTypes,
      ...(options.constants ? { constants: options.constants } : {}),
      functions: [divFloor, ...(options.functions ?? [])],
    }),
    args: args.map(([, value]) => value),
  };
}

/** A record holding `values` (host f32), made once per executor: e.g. the gradScale of 1 when none is given. */
export function constantRecord(gx: DeviceContext, name: string, values: Float32Array): TextureRecord {
  const cache = (constants.get(gx.ex) ?? new Map<string, TextureRecord>()) as Map<string, TextureRecord>;
  constants.set(gx.ex, cache);
  let record = cache.get(name);
  if (!record) {
    record = gx.ex.scratch(values.length);
    gx.ex.upload(record, values);
    cache.set(name, record);
  }
  return record;
}

const constants = new WeakMap<TextureExecutor, Map<string, TextureRecord>>();
