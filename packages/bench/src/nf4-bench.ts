// NF4 benchmark: the fused dequantize-into-panel nf4Matmul (wasm) against dequantize-then-matmul (the reference
// dequantize loop into a resident buffer, then the wasm f32 matmul), same engine and threads, same run.
// Prints a table and writes bench-results/nf4.json; runs from main.ts (skip with --no-nf4).
import { fileURLToPath } from 'node:url';
import { WasmGemmEngine } from '@lora/backend-wasm';
import type { HostArgs, Nf4MatmulArgs } from '@lora/core';
import { relativeError } from './gemm-bench.js';
import { machineInfo } from './machine.js';
import { type MeasureOptions, measure } from './measure.js';
import { formatTable } from './table.js';
import { writeResultsFile } from './results-file.js';

const OUT_FILE = fileURLToPath(new URL('../../../bench-results/nf4.json', import.meta.url));

/** One timed shape: x (M, K) · Wᵀ with W (N, K) = (out, in) in 4 bits, or dy (M, N) · W for inputGrad. */
export interface Nf4Case {
  name: string;
  m: number;
  k: number;
  n: number;
  mode: 'forward' | 'inputGrad';
}

export const NF4_CASES: readonly Nf4Case[] = [
  { name: 'q/o proj 512×896×896 forward', m: 512, k: 896, n: 896, mode: 'forward' },
  { name: 'up/gate proj 512×896×4864 forward', m: 512, k: 896, n: 4864, mode: 'forward' },
  { name: 'up/gate matvec 1×896×4864 forward', m: 1, k: 896, n: 4864, mode: 'forward' },
  { name: 'up/gate dx 512×896×4864 inputGrad', m: 512, k: 896, n: 4864, mode: 'inputGrad' },
];

export interface Nf4Result {
  case: string;
  fusedGflops: number;
  unfusedGflops: number;
  fusedMs: number;
  unfusedMs: number;
  /** max |fused − unfused| / max |unfused| */
  maxRelErr: number;
}

/** Dequantize W (N, K) into `out`: code[nibble] · absmax[block], first element in the high nibble. */
export function dequantizeInto(args: HostArgs<Nf4MatmulArgs>, out: Float32Array): void {
  const { packed, absmax, code, blocksize } = args;
  if (!absmax)
    throw new TypeError('dequantizeInto: absmax expected a Float32Array, got none (a nested absmax)');
  const count = args.n * args.k;
  for (let e = 0; e < count; e++) {
    const byte = packed[e >> 1]!;
    out[e] = code[(e & 1) === 0 ? byte >> 4 : byte & 15]! * absmax[Math.floor(e / blocksize)]!;
  }
}

function operands(
  engine: WasmGemmEngine,
  c: Nf4Case,
  seed: number,
): HostArgs<Nf4MatmulArgs> & { absmax: Float32Array } {
  let t = seed >>> 0;
  const next = () => (t = (Math.imul(t, 1664525) + 1013904223) >>> 0) / 4294967296;
  const resident = (n: number, lo: number, hi: number) => {
    const a = engine.allocF32(n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * next();
    return a;
  };
  const forward = c.mode === 'forward';
  const packedBytes = Math.ceil((c.n * c.k) / 2);
  const home = engine.allocF32(Math.ceil(packedBytes / 4)); // resident, like a loaded 4-bit weight
  const packed = new Uint8Array(home.buffer, home.byteOffset, packedBytes);
  for (let i = 0; i < packedBytes; i++) packed[i] = Math.floor(next() * 256);
  return {
    x: resident(c.m * (forward ? c.k : c.n), -1, 1),
    packed,
    absmax: resident(Math.ceil((c.n * c.k) / 64), 0.01, 0.1),
    code: resident(16, -1, 1),
    blocksize: 64,
    out: engine.allocF32(c.m * (forward ? c.n : c.k)),
    m: c.m,
    n: c.n,
    k: c.k,
    mode: c.mode,
  };
}

/** Times every case both ways on one engine; `onResult` sees each result as it lands. */
export async function runNf4Bench(
  engine: WasmGemmEngine,
  cases: readonly Nf4Case[],
  options: MeasureOptions,
  onResult?: (r: Nf4Result) => void,
): Promise<Nf4Result[]> {
  const results: Nf4Result[] = [];
  for (const [i, c] of cases.entries()) {
    const args = operands(engine, c, 1000 + i);
    const dense = engine.allocF32(c.n * c.k); // (N, K) scratch of the unfused path
    const denseOut = engine.allocF32(args.out.length);
    const forward = c.mode === 'forward';
    const unfused = () => {
      dequantizeInto(args, dense);
      engine.matmul(
        forward
          ? { a: args.x, b: dense, out: denseOut, m: c.m, n: c.n, k: c.k, transB: true }
          : { a: args.x, b: dense, out: denseOut, m: c.m, n: c.k, k: c.n },
      );
    };
    const fused = () => engine.nf4Matmul(args);
    const f = await measure(fused, options);
    const u = await measure(unfused, options);
    const flops = 2 * c.m * c.n * c.k;
    const result = {
      case: c.name,
      fusedGflops: flops / f.medianMs / 1e6,
      unfusedGflops: flops / u.medianMs / 1e6,
      fusedMs: f.medianMs,
      unfusedMs: u.medianMs,
      maxRelErr: relativeError(args.out, denseOut),
    };
    results.push(result);
    onResult?.(result);
    for (const a of [args.x, args.absmax, args.code, args.out, dense, denseOut]) engine.free(a);
    engine.free(
      new Float32Array(args.packed.buffer, args.packed.byteOffset, Math.ceil(args.packed.length / 4)),
    );
  }
  return results;
}

/** The bench as main.ts runs it: 2 threads, a table on stdout, bench-results/nf4.json. */
export async function runNf4BenchMain(options: { quick: boolean; threads?: number }): Promise<void> {
  const engine = await WasmGemmEngine.create({ threads: options.threads ?? 2 });
  await engine.startThreads();
  try {
    const budget = { budgetMs: options.quick ? 500 : 1500, minReps: 3, maxReps: 20 };
    console.log(`\nNF4 (blocksize 64), wasm ${engine.describe()}`);
    const results = await runNf4Bench(engine, NF4_CASES, budget, (r) =>
      process.stderr.write(`  ${r.case}: fused ${r.fusedGflops.toFixed(1)} GFLOP/s\n`),
    );
    const rows = results.map((r) => [
      r.case,
      r.fusedGflops.toFixed(1),
      r.unfusedGflops.toFixed(1),
      (r.unfusedMs / r.fusedMs).toFixed(2),
      r.maxRelErr > 1e-4 ? `${r.maxRelErr.toExponential(1)} MISMATCH` : r.maxRelErr.toExponential(1),
    ]);
    console.log(
      formatTable(['case', 'fused GFLOP/s', 'dequant+matmul GFLOP/s', 'speed-up', 'rel err'], rows),
    );
    const record = { machine: machineInfo(), engine: engine.describe(), budget, cases: NF4_CASES, results };
    await writeResultsFile(OUT_FILE, record);
    console.log(`wrote ${OUT_FILE}`);
  } finally {
    await engine.dispose();
  }
}
