// Instrumentation for scripts/profile-step.ts, installed from outside so no timing code lives in the hot paths:
// wraps class methods as named phases and registry kernels as timed leaves, and counts Float32Array allocations.
import {
  getBackend,
  getKernelImpl,
  KERNEL_NAMES,
  type KernelName,
  REFERENCE_BACKEND,
  registerKernel,
} from '@lora/core';

interface PhaseStats {
  calls: number;
  /** inclusive milliseconds */
  total: number;
  /** milliseconds minus nested phases */
  self: number;
  /** kernel name → milliseconds spent in it directly under this phase */
  kernels: Map<string, number>;
  /** GEMM flops issued directly under this phase */
  flops: number;
  /** bytes of GEMM operands that live outside wasm memory (copied in or out per call) */
  stagedBytes: number;
}

/** Phase timings by name; `enabled` switches recording on (wrappers cost a little even when off). */
export class Tracer {
  enabled = false;
  readonly phases = new Map<string, PhaseStats>();
  readonly #stack: { name: string; start: number; nested: number }[] = [];

  #stats(name: string): PhaseStats {
    let s = this.phases.get(name);
    if (!s) {
      s = { calls: 0, total: 0, self: 0, kernels: new Map(), flops: 0, stagedBytes: 0 };
      this.phases.set(name, s);
    }
    return s;
  }

  reset(): void {
    this.phases.clear();
  }

  /** Runs `fn` as phase `name` (nested phases are subtracted from its self time). */
  run<T>(name: string, fn: () => T): T {
    if (!this.enabled) return fn();
    this.#stack.push({ name, start: performance.now(), nested: 0 });
    try {
      return fn();
    } finally {
      const frame = this.#stack.pop()!;
      const elapsed = performance.now() - frame.start;
      const s = this.#stats(name);
      s.calls++;
      s.total += elapsed;
      s.self += elapsed - frame.nested;
      const parent = this.#stack.at(-1);
      if (parent) parent.nested += elapsed;
    }
  }

  /** Records a kernel call of `ms` under the innermost phase. */
  kernel(name: string, ms: number, flops: number, stagedBytes: number): void {
    if (!this.enabled) return;
    const s = this.#stats(this.#stack.at(-1)?.name ?? '(outside)');
    s.kernels.set(name, (s.kernels.get(name) ?? 0) + ms);
    s.flops += flops;
    s.stagedBytes += stagedBytes;
  }

  /** Wraps `methods` of `proto` as phases named `${label}.${method}`. */
  wrapMethods(proto: object, label: string, methods: string[]): void {
    const target = proto as Record<string, unknown>;
    for (const method of methods) {
      const original = target[method] as (...args: unknown[]) => unknown;
      if (typeof original !== 'function') throw new Error(`profile: ${label}.${method} is not a method`);
      const tracer = this;
      target[method] = function (this: unknown, ...args: unknown[]) {
        return tracer.run(`${label}.${method}`, () => original.apply(this, args));
      };
    }
  }

  /** Re-registers every kernel of the active backend (and the reference fallbacks it uses) wrapped in timers. */
  wrapKernels(): void {
    const backend = getBackend();
    for (const name of KERNEL_NAMES as readonly KernelName[]) {
      const impl = (getKernelImpl(name, backend) ?? getKernelImpl(name, REFERENCE_BACKEND)) as
        | ((args: Record<string, unknown>) => void)
        | undefined;
      if (!impl) continue;
      const wrapped = (args: Record<string, unknown>) => {
        if (!this.enabled) return impl(args);
        const start = performance.now();
        impl(args);
        const ms = performance.now() - start;
        let flops = 0;
        let staged = 0;
        if (name === 'matmul' || name === 'batchedMatmul') {
          const batch = (args.batch as number | undefined) ?? 1;
          const { m, n, k } = args as { m: number; n: number; k: number };
          flops = 2 * batch * m * n * k;
          const outside = (x: unknown) => !((x as Float32Array).buffer instanceof SharedArrayBuffer);
          if (outside(args.a)) staged += 4 * batch * m * k;
          if (outside(args.b)) staged += 4 * batch * k * n;
          if (outside(args.out)) staged += 4 * batch * m * n * (args.accumulate ? 2 : 1);
        }
        this.kernel(name, ms, flops, staged);
      };
      registerKernel({ name, backend, impl: wrapped as never });
    }
  }
}

/** Counts `new Float32Array(n)` (and species-created copies) of more than `minBytes` while `counting` is on. */
export class AllocationCounter {
  counting = false;
  count = 0;
  bytes = 0;
  readonly bySize = new Map<number, number>();

  constructor(readonly minBytes = 4096) {}

  /** Replaces the global constructor and the prototype's `constructor` (what `new (x.constructor)(n)` reads). */
  install(): void {
    const original = Float32Array;
    const counter = this;
    const proxy: Float32ArrayConstructor = new Proxy(original, {
      construct(target, args, newTarget): object {
        const [first] = args as [unknown];
        if (counter.counting && typeof first === 'number' && first * 4 > counter.minBytes) {
          counter.count++;
          counter.bytes += first * 4;
          counter.bySize.set(first, (counter.bySize.get(first) ?? 0) + 1);
        }
        return Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
      },
    });
    (globalThis as { Float32Array: unknown }).Float32Array = proxy;
    Object.defineProperty(original.prototype, 'constructor', {
      value: proxy,
      writable: true,
      configurable: true,
    });
  }

  reset(): void {
    this.count = 0;
    this.bytes = 0;
    this.bySize.clear();
  }
}
