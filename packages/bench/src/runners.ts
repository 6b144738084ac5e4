// What the benchmark times: the reference kernels, the wasm engine at fixed thread counts, and every other
// available backend registered through BENCH_BACKENDS. To add a backend family: one import, one entry.
import { registerGpujsBackends } from '@lora/backend-gpujs';
import { WasmGemmEngine } from '@lora/backend-wasm';
import {
  type BatchedMatmulArgs,
  type MatmulArgs,
  REFERENCE_BACKEND,
  getKernelImpl,
  referenceKernels,
  registeredBackends,
  setBackend,
} from '@lora/core';

export interface BenchBackendEntry {
  /** the package or backend family, shown when registration fails */
  name: string;
  /** registers one or more backends and their kernels with @lora/core */
  register: () => Promise<unknown>;
}

/** Backends timed through the @lora/core registry: every available one they register is a column. */
export const BENCH_BACKENDS: readonly BenchBackendEntry[] = [
  { name: '@lora/backend-gpujs', register: () => registerGpujsBackends() },
];

export interface GemmRunner {
  /** column header */
  label: string;
  backend: string;
  threads: number;
  describe: string;
  /** slow runners (the reference, anything of unknown speed) get fewer repetitions */
  slow: boolean;
  matmul(args: MatmulArgs): void;
  batchedMatmul(args: BatchedMatmulArgs): void;
  /** move a case's operands where the runner wants them before timing (wasm memory, for resident runners) */
  stage?(operands: Operands): Operands;
  /** release what stage() allocated */
  unstage?(operands: Operands): void;
  dispose(): Promise<void>;
}

export interface Operands {
  a: Float32Array;
  b: Float32Array;
  out: Float32Array;
}

export interface RunnerSet {
  runners: GemmRunner[];
  /** backends that failed to register or are unavailable, with the reason */
  skipped: string[];
}

/**
 * The reference, wasm at each thread count (operands copied in and out per call, as for plain arrays) and,
 * when `resident`, wasm again with operands kept in wasm memory (wasmAllocF32: no copies), then every
 * available backend the entries register.
 */
export async function createRunners(
  wasmThreads: readonly number[],
  entries: readonly BenchBackendEntry[] = BENCH_BACKENDS,
  resident = false,
): Promise<RunnerSet> {
  const runners: GemmRunner[] = [
    {
      label: 'reference',
      backend: REFERENCE_BACKEND,
      threads: 1,
      describe: 'plain TypeScript, float64 sums',
      slow: true,
      matmul: referenceKernels.matmul,
      batchedMatmul: referenceKernels.batchedMatmul,
      dispose: async () => {},
    },
  ];
  for (const inPlace of resident ? [false, true] : [false]) {
    for (const threads of wasmThreads) runners.push(await wasmRunner(threads, inPlace));
  }
  const skipped: string[] = [];
  for (const entry of entries) {
    try {
      await entry.register();
    } catch (error) {
      skipped.push(`${entry.name}: registration failed: ${error instanceof Error ? error.message : error}`);
    }
  }
  for (const name of registeredBackends()) {
    if (name === REFERENCE_BACKEND || name === 'wasm') continue;
    const matmul = getKernelImpl('matmul', name);
    const batchedMatmul = getKernelImpl('batchedMatmul', name);
    if (!matmul || !batchedMatmul) {
      skipped.push(`${name}: implements no matmul/batchedMatmul of its own`);
      continue;
    }
    try {
      await setBackend(name);
    } catch (error) {
      skipped.push(`${name}: ${error instanceof Error ? error.message : error}`);
      continue;
    }
    runners.push({
      label: name,
      backend: name,
      threads: 1,
      describe: name,
      slow: true,
      matmul,
      batchedMatmul,
      dispose: async () => {},
    });
  }
  return { runners, skipped };
}

async function wasmRunner(threads: number, resident: boolean): Promise<GemmRunner> {
  const engine = await WasmGemmEngine.create({ threads });
  await engine.startThreads();
  const copyIn = (x: Float32Array) => {
    const y = engine.allocF32(x.length);
    y.set(x);
    return y;
  };
  return {
    label: `wasm ×${engine.activeThreads}${resident ? ' resident' : ''}`,
    backend: 'wasm',
    threads: engine.activeThreads,
    describe: `${engine.describe()}${resident ? ', operands in wasm memory' : ''}`,
    slow: false,
    matmul: (args) => engine.matmul(args),
    batchedMatmul: (args) => engine.batchedMatmul(args),
    ...(resident && {
      stage: ({ a, b, out }: Operands) => ({ a: copyIn(a), b: copyIn(b), out: copyIn(out) }),
      unstage: ({ a, b, out }: Operands) => {
        for (const x of [a, b, out]) engine.free(x);
      },
    }),
    dispose: () => engine.dispose(),
  };
}
