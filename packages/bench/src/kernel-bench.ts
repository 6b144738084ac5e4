// Kernel benchmark: every registry kernel at the largest shape of its conformance cases, on wasm and — where an
// adapter opens — webgpu, labelled with the adapter: time per call including the device finishing it, and GFLOP/s
// for the products (GB/s of the arrays it touches for the rest). On a software adapter (SwiftShader) only the
// relative cost of kernels on that adapter means anything. Prints one table, writes bench-results/kernels.json.
import { fileURLToPath } from 'node:url';
import { registerWasmBackend } from '@lora/backend-wasm';
import { registerWebgpuBackend, webgpuDevice } from '@lora/backend-webgpu';
import { placeArgs } from '@lora/conformance';
import {
  backendMemory,
  casesFor,
  disposeBackends,
  getKernelImpl,
  KERNEL_NAMES,
  type KernelCase,
  type KernelName,
  setBackend,
} from '@lora/core';
import { machineInfo } from './machine.js';
import { type MeasureOptions, measure } from './measure.js';
import { formatTable } from './table.js';
import { writeResultsFile } from './results-file.js';

const OUT_FILE = fileURLToPath(new URL('../../../bench-results/kernels.json', import.meta.url));
const PRODUCTS: readonly KernelName[] = ['matmul', 'batchedMatmul', 'nf4Matmul'];

type Args = Record<string, unknown>;

/** Elements of every typed array among a case's arguments (nested groups included). */
function elements(args: Args): number {
  let n = 0;
  for (const v of Object.values(args)) {
    if (ArrayBuffer.isView(v)) n += (v as Float32Array).length;
    else if (v && typeof v === 'object' && !Array.isArray(v)) n += elements(v as Args);
  }
  return n;
}

/** The multiply-adds ×2 of a product case, or undefined for the other kernels. */
export function flopsOf(kernel: KernelName, args: Args): number | undefined {
  if (!PRODUCTS.includes(kernel)) return undefined;
  const [m, n, k] = [args.m, args.n, args.k] as number[];
  return 2 * m! * n! * k! * ((args.batch as number | undefined) ?? 1);
}

/** The case of `kernel` that touches the most elements. */
export function largestCase(kernel: KernelName): KernelCase | undefined {
  let best: KernelCase | undefined;
  let most = -1;
  for (const c of casesFor(kernel)) {
    const n = elements(c.args());
    if (n > most) [best, most] = [c, n];
  }
  return best;
}

export interface KernelTiming {
  kernel: KernelName;
  case: string;
  backend: string;
  /** median ms per call, the device finishing it included */
  ms: number;
  gflops?: number;
  /** bytes of the case's arrays (4 per element) per second, for the non-product kernels */
  gbps?: number;
}

async function timeOn(backend: string, kernel: KernelName, c: KernelCase, options: MeasureOptions) {
  const impl = getKernelImpl(kernel, backend) as ((a: Args) => void) | undefined;
  if (!impl) return undefined;
  await setBackend(backend);
  const memory = backendMemory(backend);
  const host = c.args();
  const args = placeArgs(host, memory);
  const m = await measure(() => {
    impl(args);
    return memory.sync();
  }, options);
  const flops = flopsOf(kernel, host);
  const seconds = m.medianMs / 1000;
  return {
    kernel,
    case: c.name,
    backend,
    ms: m.medianMs,
    ...(flops !== undefined
      ? { gflops: flops / seconds / 1e9 }
      : { gbps: (4 * elements(host)) / seconds / 1e9 }),
  };
}

export function kernelTable(timings: readonly KernelTiming[], backends: readonly string[]): string {
  const rows = KERNEL_NAMES.flatMap((kernel) => {
    const mine = timings.filter((t) => t.kernel === kernel);
    if (mine.length === 0) return [];
    const cell = (b: string) => {
      const t = mine.find((x) => x.backend === b);
      if (!t) return '—';
      const rate = t.gflops !== undefined ? `${t.gflops.toFixed(1)} GFLOP/s` : `${t.gbps!.toFixed(2)} GB/s`;
      return `${t.ms.toFixed(3)} ms (${rate})`;
    };
    return [[kernel, mine[0]!.case, ...backends.map(cell)]];
  });
  return formatTable(['kernel', 'case (the largest conformance case)', ...backends], rows);
}

/** Every kernel on wasm and, where an adapter opens, webgpu. */
export async function runKernelBench(options: { quick: boolean }): Promise<KernelTiming[]> {
  await registerWasmBackend({ threads: 2 });
  await registerWebgpuBackend();
  const device = webgpuDevice();
  const backends = ['wasm', ...(device ? ['webgpu'] : [])];
  const measureOptions = { budgetMs: options.quick ? 200 : 600, minReps: 2, maxReps: 20 };
  const timings: KernelTiming[] = [];
  for (const kernel of KERNEL_NAMES) {
    const c = largestCase(kernel);
    if (!c) continue;
    for (const backend of backends) {
      const t = await timeOn(backend, kernel, c, measureOptions);
      if (t) timings.push(t);
    }
  }
  await disposeBackends();
  const label = device ? `webgpu on ${device.name}` : 'webgpu: no adapter here';
  console.log(`\nevery kernel at its largest conformance case (wasm ×2 threads; ${label}):\n`);
  console.log(kernelTable(timings, backends));
  await writeResultsFile(OUT_FILE, { machine: machineInfo(), adapter: device ?? null, timings });
  console.log(`\nwrote ${OUT_FILE}`);
  return timings;
}
