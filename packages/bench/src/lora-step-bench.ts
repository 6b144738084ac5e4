// LoRA-step benchmark: tokens/s of one LoRA r16 all-linear training step (lora-step.ts) for issue 14's two cases —
// the 4-layer hidden-512 Llama at 256 tokens with a 2,000 vocabulary, and the Qwen2.5-0.5B shape with 8 of its 24
// layers and the full vocabulary at 512 tokens — on @lora/models (wasm) and on PyTorch at 1 and at 2 threads, every
// engine and thread count in its own child process (its peak RSS its own). "PyTorch best" is the faster of the two;
// the ratio is @lora's best ÷ PyTorch best. Prints one table and writes bench-results/lora-step.json. Run alone with
// `tsx --conditions=@lora/source src/lora-step-bench.ts [--quick] [--case small|qwen2.5-0.5b]`, or through main.ts.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { registerWasmBackend } from '@lora/backend-wasm';
import { disposeBackends, getBackend, setBackend } from '@lora/core';
import { lastJsonLine, runChild } from './child-json.js';
import {
  bestOf,
  loraStepModel,
  loraStepRunner,
  QWEN25_05B_LLAMA_OVERRIDES,
  SMALL_LLAMA_OVERRIDES,
  SMALL_MODEL_OVERRIDES,
  torchLoraStep,
} from './lora-step.js';
import { describeLoad, machineInfo } from './machine.js';
import { writeResultsFile } from './results-file.js';
import { formatTable } from './table.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const OUT_FILE = fileURLToPath(new URL('../../../bench-results/lora-step.json', import.meta.url));
/** PyTorch's thread counts: its OpenMP threads spin when the other core is busy, so 1 is often the faster */
export const TORCH_STEP_THREADS = [1, 2] as const;

export type LoraStepCaseName = 'small' | 'qwen2.5-0.5b';

export interface LoraStepCase {
  name: LoraStepCaseName;
  /** issue 14's wording of the case */
  label: string;
  /** config.json keys over LLAMA_BENCH_CONFIG (the same keys go to PyTorch) */
  overrides: Record<string, unknown>;
  tokens: number;
  /** timed steps after one warm-up step, per process */
  reps: number;
  /** @lora/models' wasm thread counts, one process each */
  loraThreads: number[];
}

export function loraStepCases(quick: boolean): LoraStepCase[] {
  return [
    {
      name: 'small',
      label: 'LoRA r16 all-linear, 4-layer h512 Llama, 256 tokens, vocab 2,000',
      overrides: { ...SMALL_MODEL_OVERRIDES },
      tokens: 256,
      reps: quick ? 3 : 5,
      loraThreads: [1, 2],
    },
    {
      name: 'qwen2.5-0.5b',
      label: 'LoRA r16 all-linear, Qwen2.5-0.5B shape (8 of 24 layers, full 151,936 vocab), 512 tokens',
      overrides: { ...SMALL_LLAMA_OVERRIDES, ...QWEN25_05B_LLAMA_OVERRIDES, num_hidden_layers: 8 },
      tokens: 512,
      reps: quick ? 2 : 3,
      loraThreads: [2], // one thread would take ~15 s a step here
    },
  ];
}

/** One engine at one thread count: its best step (tokens/s of the least wall time) and its process's peak RSS. */
export interface StepRun {
  engine: string;
  threads: number;
  tokensPerSecond: number;
  /** least wall time of the timed steps, ms */
  stepMs: number;
  /** median wall time of the timed steps, ms; null where the engine reports its least time only (PyTorch) */
  medianMs: number | null;
  /** least process CPU time (all threads) of one step, ms */
  cpuMs: number;
  peakRssMiB: number;
}

export type StepOutcome = StepRun | { engine: string; threads: number; error: string };
export const isStepRun = (o: StepOutcome): o is StepRun => !('error' in o);

export interface LoraStepCaseResult {
  case: LoraStepCaseName;
  label: string;
  tokens: number;
  lora: StepOutcome[];
  torch: StepOutcome[];
  /** the fastest of each engine's runs; null where none ran */
  loraBest: StepRun | null;
  torchBest: StepRun | null;
  /** loraBest ÷ torchBest tokens/s (> 1: faster than PyTorch); null without both */
  ratio: number | null;
}

const fastest = (runs: readonly StepOutcome[]): StepRun | null =>
  runs
    .filter(isStepRun)
    .reduce<StepRun | null>((b, r) => (!b || r.tokensPerSecond > b.tokensPerSecond ? r : b), null);

/** The case's result from its runs: each engine's fastest thread count, and their ratio. */
export function summarizeStepCase(
  c: Pick<LoraStepCase, 'name' | 'label' | 'tokens'>,
  lora: readonly StepOutcome[],
  torch: readonly StepOutcome[],
): LoraStepCaseResult {
  const loraBest = fastest(lora);
  const torchBest = fastest(torch);
  const ratio = loraBest && torchBest ? loraBest.tokensPerSecond / torchBest.tokensPerSecond : null;
  return {
    case: c.name,
    label: c.label,
    tokens: c.tokens,
    lora: [...lora],
    torch: [...torch],
    loraBest,
    torchBest,
    ratio,
  };
}

/** One row per run: tokens/s, step ms, CPU ms, ÷ PyTorch best, peak RSS; the best of each engine marked. */
export function loraStepTable(results: readonly LoraStepCaseResult[]): string {
  const rows: string[][] = [];
  for (const r of results) {
    rows.push([r.label, '', '', '', '', '']);
    for (const run of [...r.lora, ...r.torch]) {
      const threads = `${run.threads} thread${run.threads === 1 ? '' : 's'}`;
      const best = run === r.loraBest || run === r.torchBest ? ' (best)' : '';
      if (!isStepRun(run)) {
        rows.push([`  ${run.engine}, ${threads}`, '—', '—', '—', '—', '—']);
        continue;
      }
      const vs = r.torchBest ? `${(run.tokensPerSecond / r.torchBest.tokensPerSecond).toFixed(2)}×` : '—';
      rows.push([
        `  ${run.engine}, ${threads}${best}`,
        run.tokensPerSecond.toFixed(1),
        run.stepMs.toFixed(0),
        run.cpuMs.toFixed(0),
        vs,
        run.peakRssMiB.toFixed(0),
      ]);
    }
  }
  return formatTable(
    ['case / engine', 'tokens/s', 'step ms', 'CPU ms', '÷ PyTorch best', 'peak RSS MiB'],
    rows,
  );
}

/** Child process: @lora/models' step on wasm with `threads` threads; prints its StepRun as JSON. */
async function loraStepChild(c: LoraStepCase, threads: number): Promise<StepRun> {
  await registerWasmBackend({ threads });
  await setBackend('wasm');
  const model = await loraStepModel(c.overrides);
  const { zeroGrads, train } = loraStepRunner(model, c.tokens);
  const t = await bestOf(c.reps, () => {
    zeroGrads();
    return train();
  });
  return {
    engine: `@lora/models on ${getBackend()}`,
    threads,
    tokensPerSecond: (c.tokens / t.best) * 1000,
    stepMs: t.best,
    medianMs: t.median,
    cpuMs: t.cpu,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

function runLora(c: LoraStepCase, threads: number): StepOutcome {
  const engine = '@lora/models on wasm';
  const label = `@lora/models ×${threads}`;
  const args = [...process.execArgv, THIS_FILE, '--lora-step-case', JSON.stringify(c), '--lora-threads'];
  const run = runChild(label, process.execPath, [...args, String(threads)], { timeoutMs: 30 * 60_000 });
  if ('error' in run) return { engine, threads, error: run.error };
  try {
    return lastJsonLine(label, run.stdout) as StepRun;
  } catch (error) {
    return { engine, threads, error: error instanceof Error ? error.message : String(error) };
  }
}

function runTorch(c: LoraStepCase, threads: number, python: string | undefined): StepOutcome {
  const o = { overrides: c.overrides, tokens: c.tokens, threads, reps: c.reps, stepOnly: true, python };
  const run = torchLoraStep(o);
  if ('error' in run) return { engine: 'PyTorch', threads, error: run.error };
  return {
    engine: `PyTorch ${run.torch}`,
    threads,
    tokensPerSecond: run.stepTokensPerSecond,
    stepMs: run.stepMs,
    medianMs: null,
    cpuMs: run.stepCpuMs,
    peakRssMiB: run.peakRssMiB,
  };
}

export interface LoraStepBenchOptions {
  quick?: boolean;
  /** only these cases (all by default) */
  cases?: readonly LoraStepCaseName[];
  /** default LORA_BENCH_PYTHON, else /usr/bin/python3 (Debian's torch) */
  python?: string;
  outFile?: string;
}

export interface LoraStepBenchRecord {
  machine: ReturnType<typeof machineInfo>;
  quick: boolean;
  torchThreads: readonly number[];
  cases: LoraStepCase[];
  results: LoraStepCaseResult[];
}

/** Runs every case on both engines (one process per engine and thread count), prints the table, writes the record. */
export async function runLoraStepBench(options: LoraStepBenchOptions = {}): Promise<LoraStepBenchRecord> {
  const quick = options.quick ?? false;
  const cases = loraStepCases(quick).filter((c) => !options.cases || options.cases.includes(c.name));
  const machine = machineInfo();
  console.log(
    `\nLoRA step: @lora/models (wasm) vs PyTorch on ${TORCH_STEP_THREADS.join(' and ')} threads, one process each; ` +
      describeLoad(machine),
  );
  const results: LoraStepCaseResult[] = [];
  for (const c of cases) {
    const lora = c.loraThreads.map((threads) => {
      process.stderr.write(`  ${c.name}: @lora/models ×${threads} ...\n`);
      return runLora(c, threads);
    });
    const torch = TORCH_STEP_THREADS.map((threads) => {
      process.stderr.write(`  ${c.name}: PyTorch ×${threads} ...\n`);
      return runTorch(c, threads, options.python);
    });
    for (const o of [...lora, ...torch]) if (!isStepRun(o)) process.stderr.write(`  ${o.error}\n`);
    results.push(summarizeStepCase(c, lora, torch));
  }
  console.log(
    '\ntraining step tokens/s (least wall time of the timed steps after a warm-up); ÷ PyTorch best: the faster of\n' +
      'its 1- and 2-thread runs, in this run\n',
  );
  console.log(loraStepTable(results));
  const record: LoraStepBenchRecord = { machine, quick, torchThreads: TORCH_STEP_THREADS, cases, results };
  const outFile = options.outFile ?? OUT_FILE;
  await writeResultsFile(outFile, record);
  console.log(`wrote ${outFile}`);
  return record;
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function cli(): Promise<void> {
  const child = flag('--lora-step-case');
  if (child === undefined) {
    const only = flag('--case');
    const names = loraStepCases(true).map((c) => c.name);
    if (only !== undefined && !names.some((n) => n === only))
      throw new Error(`--case: expected one of ${names.join(', ')}, got ${only}`);
    const cases = only === undefined ? undefined : names.filter((n) => n === only);
    await runLoraStepBench({ quick: process.argv.includes('--quick'), ...(cases && { cases }) });
    return;
  }
  const run = await loraStepChild(JSON.parse(child) as LoraStepCase, Number(flag('--lora-threads')));
  await disposeBackends();
  process.stdout.write(`${JSON.stringify(run)}\n`);
  process.exit(0);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  cli().catch((error: unknown) => {
    console.error(`LoRA step bench failed: ${error instanceof Error ? error.message : error}`);
    if (process.argv.includes('--debug') && error instanceof Error) console.error(error.stack);
    process.exit(1);
  });
}
