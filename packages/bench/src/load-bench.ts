// Load benchmark: CausalLM.load of a Qwen2.5-0.5B-shaped bf16 checkpoint (its real config with the first `layers` of
// its 24 decoder layers, full vocabulary, seeded weights, written once to a folder) dense and with NF4 + double quant
// on load, each in a fresh child process on `--backend` (wasm by default, 2 threads: quantize4bitBlockwise on its
// worker threads; `reference` quantizes in TypeScript on the main thread): load seconds (backend set-up excluded),
// peak RSS during the load, and RSS once loaded (after a full GC) — how far the load's peak stands above what the
// model keeps. Writes bench-results/load.json.
// `tsx --conditions=@lora/source src/load-bench.ts [--layers 8] [--dir <folder>] [--backend wasm|reference]` (not part
// of main.ts: it writes a checkpoint of about 0.5 GB at 8 layers).
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { registerWasmBackend } from '@lora/backend-wasm';
import { setBackend } from '@lora/core';
import { CausalLM, writeTinyCheckpoint } from '@lora/models';
import { qwenBenchConfig } from './bench-models.js';
import { lastJsonLine, runChild } from './child-json.js';
import { machineInfo } from './machine.js';
import { writeResultsFile } from './results-file.js';
import { formatTable } from './table.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const OUT_FILE = fileURLToPath(new URL('../../../bench-results/load.json', import.meta.url));

export interface LoadMeasurement {
  variant: string;
  seconds: number;
  peakRssMiB: number;
  /** RSS after the load and a full GC: what the loaded model holds (plus the runtime) */
  loadedRssMiB: number;
}

const VARIANTS = {
  dense: {},
  'nf4 + double quant': { quantize: { quantType: 'nf4' as const, doubleQuant: true } },
};
type Variant = keyof typeof VARIANTS;

const mib = (bytes: number) => bytes / 2 ** 20;
const THREADS = 2;

async function measureLoad(dir: string, variant: Variant, backend: string): Promise<LoadMeasurement> {
  if (backend === 'wasm') await registerWasmBackend({ threads: THREADS });
  await setBackend(backend);
  const t0 = performance.now();
  const model = await CausalLM.load(dir, VARIANTS[variant]);
  const seconds = (performance.now() - t0) / 1000;
  (globalThis as { gc?: () => void }).gc?.();
  const loadedRssMiB = mib(process.memoryUsage().rss);
  if (model.config.numLayers < 1) throw new Error('load bench: the model has no layers'); // keep it alive until here
  return { variant, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, loadedRssMiB };
}

function child(args: string[], label: string): unknown {
  const run = runChild(label, process.execPath, [...process.execArgv, '--expose-gc', THIS_FILE, ...args], {
    timeoutMs: 30 * 60_000,
  });
  if ('error' in run) throw new Error(run.error);
  return lastJsonLine(label, run.stdout);
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const measureDir = flag('--measure');
  if (measureDir) {
    const result = await measureLoad(measureDir, flag('--variant') as Variant, flag('--backend') ?? 'wasm');
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const write = flag('--write');
  if (write) {
    const layers = Number(flag('--layers'));
    await writeTinyCheckpoint(write, 'qwen2', {
      dtype: 'bfloat16',
      overrides: { ...qwenBenchConfig().config, num_hidden_layers: layers, torch_dtype: 'bfloat16' },
    });
    process.stdout.write('{}\n');
    return;
  }
  const layers = Number(flag('--layers') ?? 8);
  const backend = flag('--backend') ?? 'wasm';
  const dir = flag('--dir') ?? join(tmpdir(), `lora-load-bench-qwen2.5-0.5b-${layers}-layers`);
  if (!existsSync(join(dir, 'config.json'))) {
    process.stderr.write(`  writing the checkpoint to ${dir} ...\n`);
    child(['--write', dir, '--layers', String(layers)], 'checkpoint writer');
  }
  const machine = machineInfo();
  console.log(
    `load: Qwen2.5-0.5B shape, ${layers} of 24 layers, full vocabulary, bf16 on disk (${dir}), on ${backend}${backend === 'wasm' ? ` (${THREADS} threads)` : ''}; load ${machine.loadAverage.join(' ')}`,
  );
  const results = (Object.keys(VARIANTS) as Variant[]).map((variant) => {
    process.stderr.write(`  ${variant} ...\n`);
    return child(
      ['--measure', dir, '--variant', variant, '--backend', backend],
      `load ${variant}`,
    ) as LoadMeasurement;
  });
  const rows = results.map((r) => [
    r.variant,
    r.seconds.toFixed(1),
    r.peakRssMiB.toFixed(0),
    r.loadedRssMiB.toFixed(0),
    `${(r.peakRssMiB / r.loadedRssMiB).toFixed(2)}×`,
  ]);
  console.log(
    `\n${formatTable(['load', 'seconds', 'peak RSS MiB', 'loaded RSS MiB', 'peak ÷ loaded'], rows)}`,
  );
  await writeResultsFile(OUT_FILE, { machine, layers, dir, backend, results });
  console.log(`wrote ${OUT_FILE}`);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main().catch((error: unknown) => {
    console.error(`load bench failed: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  });
}
