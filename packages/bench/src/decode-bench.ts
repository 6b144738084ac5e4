// Decode benchmark: greedy decoding tokens/s of the Qwen2.5-0.5B shape (its real config with the first `layers` of its
// 24 decoder layers and the full 151,936-token vocabulary, seeded random weights) on @lora/models with the wasm
// backend (2 threads), NF4 + double-quant base against dense f32 — both models in one child process, their runs
// interleaved — and PyTorch dense decoding of the same model (python/models_bench.py) on 1 and 2 threads, the best of
// the two as the baseline. Prints one table and writes bench-results/decode.json. Run alone with
// `tsx --conditions=@lora/source src/decode-bench.ts [--quick] [--decode-layers 24]`, or through main.ts.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { registerWasmBackend } from '@lora/backend-wasm';
import { deviceMemory, disposeBackends, getBackend, setBackend } from '@lora/core';
import { CausalLM, generate, parseModelConfig } from '@lora/models';
import { lastJsonLine, runChild } from './child-json.js';
import { describeLoad, machineInfo } from './machine.js';
import { median } from './measure.js';
import { generatedWeights, qwenBenchConfig } from './models-bench.js';
import { writeResultsFile } from './results-file.js';
import { formatTable } from './table.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const OUT_FILE = fileURLToPath(new URL('../../../bench-results/decode.json', import.meta.url));
const PYTHON_BENCH = fileURLToPath(new URL('../python/models_bench.py', import.meta.url));
const THREADS = 2;
const TORCH_THREADS = [1, 2];

export interface DecodeCase {
  /** config.json of the model: Qwen2.5-0.5B with num_hidden_layers = layers */
  config: Record<string, unknown>;
  layers: number;
  prompt: number;
  newTokens: number;
  /** timed runs of each engine, after one warm-up run each */
  reps: number;
}

export function decodeCase(quick: boolean, layers = 8, qwen = qwenBenchConfig().config): DecodeCase {
  const total = qwen.num_hidden_layers as number;
  if (!Number.isInteger(layers) || layers < 1 || layers > total) {
    throw new RangeError(`decode bench: layers expected an integer from 1 to ${total}, got ${layers}`);
  }
  return {
    config: { ...qwen, num_hidden_layers: layers },
    layers,
    prompt: 16,
    newTokens: quick ? 9 : 25,
    reps: quick ? 2 : 4,
  };
}

/** One engine's decoding: tokens/s of the new tokens after the first (prefill excluded), median of the timed runs. */
export interface DecodeMeasurement {
  engine: string;
  tokensPerSecond: number;
  /** each timed run's decoding tokens/s, in run order */
  runs: number[];
  /** seconds building the model from generated f32 weights (quantizing them, for NF4) */
  buildSeconds: number;
}

export interface LoraDecodeOutcome {
  dense: DecodeMeasurement;
  nf4: DecodeMeasurement;
  /** the child's peak RSS (both models at once) */
  peakRssMiB: number;
}

export interface TorchDecodeRun {
  threads: number;
  tokensPerSecond: number;
  peakRssMiB: number;
}

type Outcome<T> = T | { error: string };
const ok = <T extends object>(o: Outcome<T>): o is T => !('error' in o);

/** Child process: builds the dense and the NF4 model from the same weights, then times their decoding interleaved. */
async function runLoraDecode(c: DecodeCase): Promise<LoraDecodeOutcome> {
  await registerWasmBackend({ threads: THREADS });
  await setBackend('wasm');
  const config = parseModelConfig(c.config, 'decode bench config');
  const build = (quantize: boolean) => {
    const t0 = performance.now();
    const options = quantize ? { quantize: { quantType: 'nf4' as const, doubleQuant: true } } : {};
    const model = CausalLM.fromWeights(config, generatedWeights(config), options);
    return { model, seconds: (performance.now() - t0) / 1000 };
  };
  const dense = build(false);
  const nf4 = build(true);
  const memory = deviceMemory(); // as the CLI's generate does: into the backend's memory where it has its own
  if (!memory.host) for (const m of [dense.model, nf4.model]) await m.useMemory(memory);
  const prompt = Array.from({ length: c.prompt }, (_, i) => (i * 7919 + 13) % config.vocabSize);
  const decodeRate = async (model: CausalLM): Promise<number> => {
    let first = 0;
    let last = 0;
    await generate(model, [prompt], { maxNewTokens: c.newTokens, eosTokenIds: [] }, () => {
      last = performance.now();
      if (first === 0) first = last; // the first new token ends the prefill
    });
    return (c.newTokens - 1) / ((last - first) / 1000);
  };
  const runs = { dense: [] as number[], nf4: [] as number[] };
  await decodeRate(dense.model); // warm-up runs: compile, grow the wasm memory, fill the buffers
  await decodeRate(nf4.model);
  for (let r = 0; r < c.reps; r++) {
    // alternate which goes first, so a drift in the machine's load lands on both
    const order = r % 2 === 0 ? (['dense', 'nf4'] as const) : (['nf4', 'dense'] as const);
    for (const which of order)
      runs[which].push(await decodeRate(which === 'dense' ? dense.model : nf4.model));
  }
  const engine = `@lora/models on ${getBackend()} (${THREADS} threads)`;
  return {
    dense: {
      engine: `${engine}, f32`,
      tokensPerSecond: median(runs.dense),
      runs: runs.dense,
      buildSeconds: dense.seconds,
    },
    nf4: {
      engine: `${engine}, NF4 + double quant`,
      tokensPerSecond: median(runs.nf4),
      runs: runs.nf4,
      buildSeconds: nf4.seconds,
    },
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

function loraChild(c: DecodeCase): Outcome<LoraDecodeOutcome> {
  const run = runChild(
    '@lora/models decode',
    process.execPath,
    [...process.execArgv, THIS_FILE, '--decode-case', JSON.stringify(c)],
    { timeoutMs: 30 * 60_000 },
  );
  if ('error' in run) return run;
  try {
    return lastJsonLine('@lora/models decode', run.stdout) as LoraDecodeOutcome;
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function torchDecode(c: DecodeCase, threads: number, python: string): Outcome<TorchDecodeRun> {
  const label = `PyTorch ×${threads} (${python})`;
  const args = [PYTHON_BENCH, '--case', 'generate', '--config', JSON.stringify(c.config)];
  args.push('--prompt', String(c.prompt), '--new', String(c.newTokens), '--threads', String(threads));
  args.push('--budget', '600', '--max-reps', String(c.reps)); // it runs a warm-up of its own first
  const run = runChild(label, python, args, { timeoutMs: 30 * 60_000 });
  if ('error' in run) return run;
  try {
    const r = lastJsonLine(label, run.stdout) as { tokensPerSecond: number; peakRssMiB: number };
    return { threads, tokensPerSecond: r.tokensPerSecond, peakRssMiB: r.peakRssMiB };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

export interface DecodeBenchOptions {
  quick?: boolean;
  /** decoder layers of the 24 (default 8) */
  layers?: number;
  /** default LORA_BENCH_PYTHON, else /usr/bin/python3 (Debian's torch) */
  python?: string;
  outFile?: string;
}

/** What the decode table measured: bench-results/decode.json. */
export interface DecodeBenchRecord {
  machine: ReturnType<typeof machineInfo>;
  case: DecodeCase;
  qwenConfigSource: string;
  lora: LoraDecodeOutcome | { error: string };
  torch: (TorchDecodeRun | { error: string })[];
  /** the faster PyTorch run's thread count; null where none ran */
  torchBestThreads: number | null;
}

/** Runs the decode case on @lora/models (dense and NF4) and PyTorch, prints the table and writes the JSON record. */
export async function runDecodeBench(options: DecodeBenchOptions = {}): Promise<DecodeBenchRecord> {
  const python = options.python ?? process.env.LORA_BENCH_PYTHON ?? '/usr/bin/python3';
  const qwen = qwenBenchConfig();
  const c = decodeCase(options.quick ?? false, options.layers, qwen.config);
  const machine = machineInfo();
  console.log(
    `\ndecode: greedy decoding, Qwen2.5-0.5B shape with ${c.layers} of 24 layers and the full vocabulary ` +
      `(${qwen.source}), ${c.prompt}-token prompt, ${c.newTokens} new tokens; ${describeLoad(machine)}`,
  );
  process.stderr.write('  @lora/models dense and NF4, interleaved ...\n');
  const lora = loraChild(c);
  const torch = TORCH_THREADS.map((threads) => {
    process.stderr.write(`  PyTorch ×${threads} ...\n`);
    return torchDecode(c, threads, python);
  });
  for (const o of [lora, ...torch]) if (!ok(o)) process.stderr.write(`  ${o.error}\n`);
  const torchRuns = torch.filter(ok);
  const best = torchRuns.reduce<TorchDecodeRun | undefined>(
    (b, r) => (!b || r.tokensPerSecond > b.tokensPerSecond ? r : b),
    undefined,
  );
  const fmt = (x: number | undefined, digits = 2) => (x === undefined ? '—' : x.toFixed(digits));
  const ratio = (x: number | undefined, y: number | undefined) =>
    x === undefined || y === undefined ? '—' : `${(x / y).toFixed(2)}×`;
  const rows: string[][] = [];
  if (ok(lora)) {
    for (const m of [lora.dense, lora.nf4]) {
      rows.push([
        m.engine,
        fmt(m.tokensPerSecond),
        ratio(m.tokensPerSecond, lora.dense.tokensPerSecond),
        ratio(m.tokensPerSecond, best?.tokensPerSecond),
        fmt(m.buildSeconds, 1),
      ]);
    }
  }
  for (const r of torchRuns) {
    rows.push([
      `PyTorch dense, ${r.threads} thread${r.threads === 1 ? '' : 's'}${r === best ? ' (best)' : ''}`,
      fmt(r.tokensPerSecond),
      ratio(r.tokensPerSecond, ok(lora) ? lora.dense.tokensPerSecond : undefined),
      ratio(r.tokensPerSecond, best?.tokensPerSecond),
      '',
    ]);
  }
  console.log('\ndecoding tokens/s (median of the timed runs, prefill excluded); ratios in the same run\n');
  console.log(formatTable(['engine', 'tokens/s', '÷ @lora dense', '÷ PyTorch best', 'build s'], rows));
  if (ok(lora)) console.log(`@lora child peak RSS (both models): ${lora.peakRssMiB.toFixed(0)} MiB`);
  const record: DecodeBenchRecord = {
    machine,
    case: c,
    qwenConfigSource: qwen.source,
    lora,
    torch,
    torchBestThreads: best?.threads ?? null,
  };
  const outFile = options.outFile ?? OUT_FILE;
  await writeResultsFile(outFile, record);
  console.log(`wrote ${outFile}`);
  return record;
}

function flagNumber(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

async function cli(): Promise<void> {
  const i = process.argv.indexOf('--decode-case');
  if (i < 0) {
    await runDecodeBench({ quick: process.argv.includes('--quick'), layers: flagNumber('--decode-layers') });
    return;
  }
  const outcome = await runLoraDecode(JSON.parse(process.argv[i + 1]!) as DecodeCase);
  await disposeBackends();
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
  process.exit(0);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  cli().catch((error: unknown) => {
    console.error(`decode bench failed: ${error instanceof Error ? error.message : error}`);
    if (process.argv.includes('--debug') && error instanceof Error) console.error(error.stack);
    process.exit(1);
  });
}
