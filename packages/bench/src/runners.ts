// What the benchmark times: the reference kernels, the wasm engine at fixed thread counts in both builds (baseline
// SIMD and relaxed SIMD's FMA), and every other available backend registered through BENCH_BACKENDS. To add a
// backend family: one import, one entry.
import { registerGpujsBackends } from '@lora/backend-gpujs';
import { type WasmEngineOptions, WasmGemmEngine } from '@lora/backend-wasm';
import { registerWebgpuBackend } from '@lora/backend-webgpu';
import {
  backendMemory,
  backendReport,
  type BatchedMatmulArgs,
  type F32,
  type HostArgs,
  getKernelImpl,
  type MatmulArgs,
  REFERENCE_BACKEND,
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
  // a real GPU, or SwiftShader where VK_ICD_FILENAMES points at it (its rates then say nothing about GPUs)
  { name: '@lora/backend-webgpu', register: () => registerWebgpuBackend() },
];

export interface GemmRunner {
  /** column header */
  label: string;
  backend: string;
  threads: number;
  describe: string;
  /** wasm runners: the build, baseline SIMD (f32x4.mul + f32x4.add) or relaxed SIMD (f32x4.relaxed_madd, FMA) */
  simd?: 'baseline' | 'relaxed';
  /** slow runners (the reference, anything of unknown speed) get fewer repetitions */
  slow: boolean;
  /** one product; a device runner returns a promise that resolves once the device has finished it */
  matmul(args: HostArgs<MatmulArgs>): unknown;
  batchedMatmul(args: HostArgs<BatchedMatmulArgs>): unknown;
  /** move a case's operands where the runner wants them before timing (wasm or GPU memory) */
  stage?(operands: Operands): Operands;
  /** the product's output, read back to the host (device runners; host runners' `out` is read directly) */
  result?(staged: Operands): Promise<Float32Array>;
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

export interface CreateRunnersOptions {
  /** thread counts of the wasm runners */
  wasmThreads: readonly number[];
  /** backend families registered through @lora/core (default BENCH_BACKENDS) */
  entries?: readonly BenchBackendEntry[];
  /** also the baseline wasm runners with operands kept in wasm memory */
  resident?: boolean;
  /** also the relaxed-SIMD (FMA) wasm build at each thread count; skipped, with the reason, where it is unavailable */
  relaxed?: boolean;
  /** how a wasm engine is made (default WasmGemmEngine.create); tests pass one that fails as a platform would */
  createEngine?: (options: WasmEngineOptions) => Promise<WasmGemmEngine>;
}

/**
 * The reference; baseline-SIMD wasm at each thread count (operands copied in and out per call, as for plain
 * arrays); with `relaxed`, the relaxed-SIMD build at each thread count; with `resident`, wasm again with operands
 * kept in wasm memory (wasmAllocF32: no copies) on the relaxed build where it runs, else the baseline one; then every available backend the entries register.
 */
export async function createRunners(options: CreateRunnersOptions): Promise<RunnerSet> {
  const { wasmThreads, entries = BENCH_BACKENDS, resident = false, relaxed = false } = options;
  const create = options.createEngine ?? ((o: WasmEngineOptions) => WasmGemmEngine.create(o));
  const wasmRunner = (threads: number, simd: 'baseline' | 'relaxed', inPlace: boolean) =>
    createWasmRunner(create, threads, simd, inPlace);
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
  const skipped: string[] = [];
  for (const threads of wasmThreads) runners.push(await wasmRunner(threads, 'baseline', false));
  let relaxedRuns = false;
  if (relaxed) {
    for (const threads of wasmThreads) {
      try {
        runners.push(await wasmRunner(threads, 'relaxed', false));
        relaxedRuns = true;
      } catch (error) {
        skipped.push(`wasm relaxed ×${threads}: ${error instanceof Error ? error.message : error}`);
      }
    }
  }
  // resident operands are how the models run, on the engine's default build: relaxed wherever it runs
  const residentBuild = relaxedRuns ? 'relaxed' : 'baseline';
  if (resident) for (const threads of wasmThreads) runners.push(await wasmRunner(threads, residentBuild, true));
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
    const memory = backendMemory(name);
    if (!memory.host) {
      // operands uploaded once per case; a timed run is the kernel plus waiting for the device to finish it
      const onDevice = (f: (args: never) => void) => (args: unknown) => {
        f(args as never);
        return memory.sync();
      };
      runners.push({
        label: name,
        backend: name,
        threads: 1,
        describe: `${name}: ${backendDescription(name)}`,
        slow: false,
        matmul: onDevice(matmul),
        batchedMatmul: onDevice(batchedMatmul),
        stage: ({ a, b, out }) => {
          const up = (x: Float32Array) => memory.upload(x) as unknown as Float32Array;
          return { a: up(a), b: up(b), out: up(out) };
        },
        result: (staged) => memory.read(staged.out as unknown as F32),
        unstage: (staged) => {
          for (const x of [staged.a, staged.b, staged.out]) memory.free(x as unknown as F32);
        },
        dispose: async () => {},
      });
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

/** The backend's device line (the adapter, for webgpu), from its start-up report. */
function backendDescription(name: string): string {
  const report = backendReport([]);
  return report.startsWith(`backend: ${name} (`) ? report.slice(`backend: ${name} (`.length, -1) : name;
}

async function createWasmRunner(
  create: (options: WasmEngineOptions) => Promise<WasmGemmEngine>,
  threads: number,
  simd: 'baseline' | 'relaxed',
  resident: boolean,
): Promise<GemmRunner> {
  const engine = await create({ threads, simd });
  try {
    await engine.startThreads();
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  const build = engine.variant === 'relaxed' ? 'relaxed' : 'baseline';
  const copyIn = (x: Float32Array) => {
    const y = engine.allocF32(x.length);
    y.set(x);
    return y;
  };
  return {
    label: `wasm${build === 'relaxed' ? ' relaxed' : ''} ×${engine.activeThreads}${resident ? ' resident' : ''}`,
    backend: 'wasm',
    threads: engine.activeThreads,
    simd: build,
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
