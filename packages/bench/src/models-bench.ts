// Models benchmark: forward and training-step tokens/s of a 4-layer, hidden-512 Llama at 256 tokens (batch 1) and
// greedy generation tokens/s of a Qwen2.5-0.5B-shaped model, on @lora/models (wasm backend, 2 threads) and on a
// plain-PyTorch copy of the same model (python/torch_llama.py, 2 threads), each case in its own process so its peak
// RSS is its own. Prints one table and writes bench-results/models.json. Run alone with
// `tsx --conditions=@lora/source src/models-bench.ts [--quick]`, or through main.ts.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { registerWasmBackend } from '@lora/backend-wasm';
import { disposeBackends, getBackend, setBackend } from '@lora/core';
import { CausalLM, generate, parseModelConfig } from '@lora/models';
import { generatedWeights, LLAMA_BENCH_CONFIG, qwenBenchConfig } from './bench-models.js';
import { machineInfo } from './machine.js';
import { measure } from './measure.js';
import { writeResultsFile } from './results-file.js';
import { formatTable } from './table.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const OUT_FILE = fileURLToPath(new URL('../../../bench-results/models.json', import.meta.url));
const PYTHON_BENCH = fileURLToPath(new URL('../python/models_bench.py', import.meta.url));
const THREADS = 2;

export type ModelsCaseName = 'forward' | 'train' | 'generate';

export interface ModelsCase {
  name: ModelsCaseName;
  label: string;
  config: Record<string, unknown>;
  /** forward / train: sequence length (batch 1) */
  tokens: number;
  /** generate: prompt length and new tokens (batch 1, greedy) */
  prompt: number;
  newTokens: number;
  budgetMs: number;
  maxReps: number;
}

export function modelsCases(quick: boolean, qwen = qwenBenchConfig().config): ModelsCase[] {
  const common = {
    tokens: 256,
    prompt: 32,
    newTokens: quick ? 8 : 32,
    budgetMs: quick ? 3000 : 10000,
    maxReps: quick ? 2 : 5,
  };
  return [
    {
      ...common,
      name: 'forward',
      label: 'forward + loss, Llama 4×512, 256 tokens',
      config: LLAMA_BENCH_CONFIG,
    },
    {
      ...common,
      name: 'train',
      label: "training step (all decoder linears' weight grads), same",
      config: LLAMA_BENCH_CONFIG,
    },
    {
      ...common,
      name: 'generate',
      label: 'greedy decode, Qwen2.5-0.5B shape, 32-token prompt',
      config: qwen,
    },
  ];
}

/** What one engine measured on one case. */
export interface CaseMeasurement {
  tokensPerSecond: number;
  /** generate only: prompt tokens/s of the prefill */
  prefillTokensPerSecond?: number;
  /** median seconds of one timed run */
  seconds: number;
  reps: number;
  peakRssMiB: number;
  /** seconds spent building the model with generated weights */
  buildSeconds: number;
  engine: string;
}

export type CaseOutcome = CaseMeasurement | { error: string };

export interface ModelsCaseResult {
  case: ModelsCaseName;
  label: string;
  lora: CaseOutcome;
  torch: CaseOutcome;
  /** @lora/models tokens/s ÷ PyTorch tokens/s (> 1: faster than PyTorch) */
  ratio: number | null;
  prefillRatio: number | null;
}

/** Child process: one case on @lora/models; prints its CaseMeasurement as JSON. */
async function runLoraCase(c: ModelsCase): Promise<CaseMeasurement> {
  try {
    await registerWasmBackend({ threads: THREADS });
    await setBackend('wasm');
  } catch (error) {
    process.stderr.write(
      `  wasm backend unavailable (${error instanceof Error ? error.message : error}); timing the reference\n`,
    );
  }
  const started = performance.now();
  const config = parseModelConfig(c.config, `${c.name} bench config`);
  const model = CausalLM.fromWeights(config, generatedWeights(config));
  const buildSeconds = (performance.now() - started) / 1000;
  const engine = `@lora/models on ${getBackend()} (${THREADS} threads)`;
  const ids = Int32Array.from(
    { length: Math.max(c.tokens, c.prompt) },
    (_, i) => (i * 7919 + 13) % config.vocabSize,
  );
  const options = { budgetMs: c.budgetMs, minReps: 1, maxReps: c.maxReps };
  const rss = () => process.resourceUsage().maxRSS / 1024;
  if (c.name !== 'generate') {
    const batch = {
      inputIds: ids.subarray(0, c.tokens),
      labels: ids.subarray(0, c.tokens),
      batch: 1,
      seqLen: c.tokens,
    };
    const train = c.name === 'train';
    if (train) model.setTrainable((name) => /^model\.layers\.\d+\..*proj\.weight$/.test(name));
    const m = await measure(() => model.step(batch, { training: train, backward: train }), options);
    return {
      tokensPerSecond: c.tokens / (m.medianMs / 1000),
      seconds: m.medianMs / 1000,
      reps: m.reps,
      peakRssMiB: rss(),
      buildSeconds,
      engine,
    };
  }
  const prompt = [...ids.subarray(0, c.prompt)];
  const prefill: number[] = [];
  const decode: number[] = [];
  const m = await measure(async () => {
    const t0 = performance.now();
    let first = t0;
    let last = t0;
    await generate(model, [prompt], { maxNewTokens: c.newTokens, eosTokenIds: [] }, () => {
      last = performance.now();
      if (first === t0) first = last;
    });
    prefill.push(first - t0);
    decode.push(last - first);
  }, options);
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const timed = (xs: number[]) => (xs.length > 1 ? xs.slice(1) : xs); // drop the warm-up run
  return {
    tokensPerSecond: (c.newTokens - 1) / (med(timed(decode)) / 1000),
    prefillTokensPerSecond: c.prompt / (med(timed(prefill)) / 1000),
    seconds: m.medianMs / 1000,
    reps: m.reps,
    peakRssMiB: rss(),
    buildSeconds,
    engine,
  };
}

function lastJsonLine(stdout: string): unknown {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line);
}

function outcome(label: string, run: ReturnType<typeof spawnSync>): CaseOutcome {
  if (run.error) return { error: `${label}: ${run.error.message}` };
  if (run.status !== 0)
    return {
      error: `${label}: exited with ${run.status ?? run.signal}: ${String(run.stderr ?? '')
        .trim()
        .split('\n')
        .at(-1)}`,
    };
  try {
    return lastJsonLine(String(run.stdout)) as CaseMeasurement;
  } catch {
    return {
      error: `${label}: expected a JSON line on stdout, got ${JSON.stringify(String(run.stdout).slice(-200))}`,
    };
  }
}

function runTorchCase(c: ModelsCase, python: string): CaseOutcome {
  const args = [
    PYTHON_BENCH,
    '--case',
    c.name,
    '--config',
    JSON.stringify(c.config),
    '--tokens',
    String(c.tokens),
  ];
  args.push('--prompt', String(c.prompt), '--new', String(c.newTokens), '--threads', String(THREADS));
  args.push('--budget', String(c.budgetMs / 1000), '--max-reps', String(c.maxReps));
  const run = spawnSync(python, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20 * 60_000,
    maxBuffer: 1 << 24,
  });
  const result = outcome(`PyTorch (${python})`, run);
  if ('error' in result) return result;
  const r = result as CaseMeasurement & { threads: number; torch: string };
  return { ...r, engine: `PyTorch ${r.torch} (${r.threads} threads)` };
}

function runLoraChild(c: ModelsCase): CaseOutcome {
  const run = spawnSync(
    process.execPath,
    [...process.execArgv, THIS_FILE, '--models-case', JSON.stringify(c)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 20 * 60_000,
      maxBuffer: 1 << 24,
    },
  );
  return outcome('@lora/models', run);
}

const ok = (o: CaseOutcome): o is CaseMeasurement => !('error' in o);
const fmt = (x: number | undefined, digits = 1) => (x === undefined ? '—' : x.toFixed(digits));

export interface ModelsBenchOptions {
  quick?: boolean;
  /** default LORA_BENCH_PYTHON, else /usr/bin/python3 (Debian's torch) */
  python?: string;
  outFile?: string;
}

/** Runs every case on both engines, prints the table and writes the JSON record (atomically). */
export async function runModelsBench(options: ModelsBenchOptions = {}): Promise<ModelsCaseResult[]> {
  const python = options.python ?? process.env.LORA_BENCH_PYTHON ?? '/usr/bin/python3';
  const qwen = qwenBenchConfig();
  const cases = modelsCases(options.quick ?? false, qwen.config);
  console.log(
    `\nmodels: @lora/models vs PyTorch, ${THREADS} threads each (Qwen2.5-0.5B config: ${qwen.source})`,
  );
  const results: ModelsCaseResult[] = [];
  for (const c of cases) {
    process.stderr.write(`  ${c.label} ...\n`);
    const lora = runLoraChild(c);
    const torch = runTorchCase(c, python);
    const ratio = ok(lora) && ok(torch) ? lora.tokensPerSecond / torch.tokensPerSecond : null;
    const prefillRatio =
      ok(lora) && ok(torch) && lora.prefillTokensPerSecond && torch.prefillTokensPerSecond
        ? lora.prefillTokensPerSecond / torch.prefillTokensPerSecond
        : null;
    results.push({ case: c.name, label: c.label, lora, torch, ratio, prefillRatio });
    for (const o of [lora, torch]) if (!ok(o)) process.stderr.write(`  ${o.error}\n`);
  }
  const rows: string[][] = [];
  for (const r of results) {
    const [l, t] = [ok(r.lora) ? r.lora : undefined, ok(r.torch) ? r.torch : undefined];
    const ratio = r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`;
    rows.push([
      r.label,
      fmt(l?.tokensPerSecond),
      fmt(t?.tokensPerSecond),
      ratio,
      fmt(l?.peakRssMiB, 0),
      fmt(t?.peakRssMiB, 0),
    ]);
    if (r.case === 'generate') {
      const pr = r.prefillRatio === null ? '—' : `${r.prefillRatio.toFixed(2)}×`;
      rows.push([
        '  its prefill (prompt tokens/s)',
        fmt(l?.prefillTokensPerSecond),
        fmt(t?.prefillTokensPerSecond),
        pr,
        '',
        '',
      ]);
    }
  }
  console.log(
    '\ntokens/s (median of timed runs after a warm-up); ratio = @lora/models ÷ PyTorch; peak RSS in MiB\n',
  );
  console.log(formatTable(['case', '@lora/models', 'PyTorch', 'ratio', 'RSS lora', 'RSS torch'], rows));
  const outFile = options.outFile ?? OUT_FILE;
  const record = {
    machine: machineInfo(),
    threads: THREADS,
    quick: options.quick ?? false,
    qwenConfigSource: qwen.source,
    cases,
    results,
  };
  await writeResultsFile(outFile, record);
  console.log(`\nwrote ${outFile}`);
  return results;
}

async function cli(): Promise<void> {
  const i = process.argv.indexOf('--models-case');
  if (i < 0) {
    await runModelsBench({ quick: process.argv.includes('--quick') });
    return;
  }
  const measurement = await runLoraCase(JSON.parse(process.argv[i + 1]!) as ModelsCase);
  await disposeBackends();
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
  process.exit(0);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  cli().catch((error: unknown) => {
    console.error(`models bench failed: ${error instanceof Error ? error.message : error}`);
    if (process.argv.includes('--debug') && error instanceof Error) console.error(error.stack);
    process.exit(1);
  });
}
