// One gpu.js instance per mode and its compiled kernels, cached per (kernel, shape/constants) so calls never recompile.

import type { IGPUKernelSettings, KernelFunction } from 'gpu.js';
import { GPU } from 'gpu.js';
import { GpujsBackendError } from './errors.js';
import type { GpujsMode } from './modes.js';

/** What a kernel function may read besides its arguments. */
export interface KernelThis<C> {
  thread: { x: number; y: number; z: number };
  constants: C;
}

/** A gpu.js kernel argument: flat f32 data or a scalar. */
export type KernelArg = Float32Array | number;

/**
 * A kernel argument's type: 'Array' (host f32 data, uploaded by the call), 'Float' (a scalar uniform) or 'Texture'
 * (a pipeline result kept on the device: a GL texture, or on webgpu a storage buffer).
 */
export type ArgumentType = 'Array' | 'Float' | 'Texture';

/** How to build one compiled kernel: the function, its output grid [x, y?, z?] and its integer constants. */
export interface KernelSpec {
  // biome-ignore lint/suspicious/noExplicitAny: gpu.js kernel functions have per-kernel `this` and argument types
  fn: (this: KernelThis<any>, ...args: any[]) => number;
  output: number[];
  constants?: Record<string, number>;
  /** gpu.js argument type per argument name, every argument named */
  argumentTypes: Record<string, ArgumentType>;
  /** helper functions the kernel calls: self-contained as kernels are (their arguments only) */
  // biome-ignore lint/suspicious/noExplicitAny: gpu.js helper functions are plain numeric functions
  functions?: ((...args: any[]) => number)[];
}

export interface KernelRunnerOptions {
  /**
   * pipeline mode: every call returns its result on the device (a fresh texture or buffer per call, gpu.js's
   * `pipeline` + `immutable`) instead of reading it back, and 'Texture' arguments take such results
   */
  pipeline?: boolean;
}

/** One kernel launch of a plan: run the kernel cached under `key` (built by `spec` once) and copy into `out`. */
export interface Step {
  key: string;
  spec: () => KernelSpec;
  args: KernelArg[];
  out: Float32Array;
}

/**
 * A kernel as a sequence of launches with plain JS between them (validation first, then e.g. folding row stats).
 * The same plan runs synchronously (`run`) on webgl2/headlessgl/webasm/cpu, or awaited (`runAsync`) on any mode,
 * webgpu included, whose readback only exists as a Promise.
 */
export type Plan = Generator<Step, void, undefined>;

export function launch(key: string, spec: () => KernelSpec, args: KernelArg[], out: Float32Array): Step {
  return { key, spec, args, out };
}

interface Compiled {
  (...args: KernelArg[]): unknown;
  destroy(removeCanvasReferences?: boolean): void;
  /** the gpu.js kernel that really runs (it may have degraded to the cpu backend) */
  kernel?: { constructor: { mode?: string }; fallbackReason?: string | null; context?: unknown };
}

/** How many compiled kernels a runner keeps before destroying the least recently used. */
export const KERNEL_CACHE_SIZE = 256;

export class KernelRunner {
  private instance: GPU | undefined;
  private readonly cache = new Map<string, Compiled>();
  /** kernels gpu.js quietly ran on its cpu backend instead of this mode, with the reason it gave */
  readonly degraded = new Map<string, string>();
  /** how many kernels this runner has compiled */
  compiled = 0;

  /** `cacheSize`: compiled kernels kept before the least recently used is destroyed. */
  constructor(
    readonly mode: GpujsMode,
    private readonly cacheSize = KERNEL_CACHE_SIZE,
    readonly options: KernelRunnerOptions = {},
  ) {}

  /** The gpu.js instance, started on first use (and again after destroy()). */
  get gpu(): GPU {
    if (!this.instance) {
      try {
        this.instance = new GPU({ mode: this.mode });
      } catch (cause) {
        throw new GpujsBackendError(
          `gpu.js mode "${this.mode}" could not start: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
    return this.instance;
  }

  /** Run every step of a plan now; throws on webgpu, whose results only come as Promises. */
  run(plan: Plan): void {
    for (const s of plan) {
      const result = this.start(s);
      if (result instanceof Promise) {
        result.catch(() => undefined);
        throw new GpujsBackendError(
          `${this.mode} kernel "${s.key}": expected a synchronous result, got a Promise (use runAsync)`,
        );
      }
      this.copy(s, result);
    }
  }

  /** Run a plan, awaiting each step's result before the JS that follows it. */
  async runAsync(plan: Plan): Promise<void> {
    for (let next = plan.next(); !next.done; next = plan.next()) {
      const s = next.value;
      const pending = this.start(s); // throws here when it cannot build or start
      let result: unknown;
      try {
        result = await pending;
      } catch (cause) {
        const message = `${this.mode} kernel "${s.key}" failed to run: ${(cause as Error).message}`;
        throw new GpujsBackendError(message, { cause });
      }
      this.copy(s, result);
    }
  }

  /**
   * Run the kernel cached under `key` (built by `spec` once) on `args` and return what gpu.js returns: in pipeline mode
   * a texture (GL) or a Promise of a buffer handle (webgpu). Throws GpujsBackendError naming the key on failure.
   */
  call(key: string, spec: () => KernelSpec, args: readonly unknown[]): unknown {
    return this.start({ key, spec, args: args as KernelArg[], out: NO_OUTPUT });
  }

  private start({ key, spec, args }: Step): unknown {
    const fresh = !this.cache.has(key);
    const compiled = this.kernel(key, spec);
    let result: unknown;
    try {
      result = compiled(...args);
    } catch (cause) {
      throw new GpujsBackendError(`${this.mode} kernel "${key}" failed to run: ${(cause as Error).message}`, {
        cause,
      });
    }
    if (fresh && this.mode !== 'cpu' && compiled.kernel?.constructor.mode === 'cpu') {
      this.degraded.set(key, compiled.kernel.fallbackReason ?? 'unknown reason');
    }
    return result;
  }

  private copy({ key, out }: Step, result: unknown): void {
    const written = copyOutput(result, out, 0);
    if (written === undefined) {
      throw new GpujsBackendError(
        `${this.mode} kernel "${key}": expected a Float32Array result, got ${describe(result)}`,
      );
    }
  }

  private kernel(key: string, spec: () => KernelSpec): Compiled {
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key); // re-insert: Map order is the LRU order
      this.cache.set(key, hit);
      return hit;
    }
    const s = spec();
    const pipeline = this.options.pipeline === true;
    // a pipeline result as an argument: a storage buffer on webgpu, a texture on GL, a plain array on the CPU modes
    const textureType =
      this.mode === 'webgpu'
        ? 'WebGPUBuffer'
        : this.mode === 'cpu' || this.mode === 'webasm'
          ? 'Array'
          : 'MemoryOptimizedNumberTexture';
    const argumentTypes = Object.fromEntries(
      Object.entries(s.argumentTypes).map(([name, type]) => [name, type === 'Texture' ? textureType : type]),
    );
    const settings = {
      output: s.output,
      constants: s.constants ?? {},
      argumentTypes,
      precision: 'single',
      tactic: 'precision',
      // GL: 4 floats per texel in a near-square texture, so only the total size meets the max texture size
      optimizeFloatMemory: true,
      // a fresh output per call (results outlive the next call), argument textures of any size without recompiling
      ...(pipeline ? { pipeline: true, immutable: true, dynamicArguments: true } : {}),
      ...(s.functions ? { functions: s.functions } : {}),
    } as IGPUKernelSettings;
    let compiled: Compiled;
    try {
      compiled = this.gpu.createKernel(s.fn as unknown as KernelFunction, settings) as unknown as Compiled;
    } catch (cause) {
      throw new GpujsBackendError(
        `${this.mode} kernel "${key}" failed to build: ${(cause as Error).message}`,
        { cause },
      );
    }
    this.cache.set(key, compiled);
    this.compiled++;
    if (this.cache.size > this.cacheSize) {
      const [oldestKey, oldest] = this.cache.entries().next().value as [string, Compiled];
      this.cache.delete(oldestKey);
      oldest.destroy();
    }
    return compiled;
  }

  get cachedKernels(): number {
    return this.cache.size;
  }

  /** The GL context of any compiled kernel (webgl2, headlessgl), for naming the device. */
  glContext(): WebGLRenderingContext | undefined {
    for (const k of this.cache.values()) {
      const context = k.kernel?.context as WebGLRenderingContext | undefined;
      if (context && typeof context.getParameter === 'function') return context;
    }
    return undefined;
  }

  /** Release every compiled kernel and the gpu.js instance; the next call starts afresh. */
  async destroy(): Promise<void> {
    for (const k of this.cache.values()) k.destroy();
    this.cache.clear();
    const instance = this.instance;
    this.instance = undefined;
    await instance?.destroy();
  }
}

const NO_OUTPUT = new Float32Array(0);

/** Copy a 1-, 2- or 3-D gpu.js result (nested Float32Arrays) into `out` from `offset`; the new offset, or undefined. */
export function copyOutput(result: unknown, out: Float32Array, offset: number): number | undefined {
  if (result instanceof Float32Array) {
    out.set(result, offset);
    return offset + result.length;
  }
  if (Array.isArray(result)) {
    let at: number | undefined = offset;
    for (const part of result) {
      at = copyOutput(part, out, at);
      if (at === undefined) return undefined;
    }
    return at;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
