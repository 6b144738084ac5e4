// Decode benchmark: greedy decoding tokens/s, prefill excluded, of each shape in decode-cases.ts — issue 14's small
// model, the Qwen2.5-0.5B shape and the Qwen2.5-1.5B shape (8 of their 24 / 28 layers by default, full vocabulary),
// seeded random weights — on @lora/models with the wasm backend (2 threads), NF4 + double-quant base against dense
// f32 (both models in one child process per shape, so its peak RSS is the shape's own; their runs interleaved), and
// PyTorch dense decoding of the same model (python/models_bench.py) on 1 and 2 threads, the best of the two as the
// baseline. Prints one table (a row group per shape) and writes bench-results/decode.json. Run alone with
// `tsx --conditions=@lora/source src/decode-bench.ts [--quick] [--decode-layers 8] [--decode-shapes small,...]`,
// or through main.ts.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { registerWasmBackend } from '@lora/backend-wasm';
import { deviceMemory, disposeBackends, getBackend, setBackend } from '@lora/core';
import { CausalLM, generate, parseModelConfig } from '@lora/models';
import { generatedWeights } from './bench-models.js';
import { lastJsonLine, runChild } from './child-json.js';
import {
  DECODE_SHAPES,
  type DecodeCase,
  type DecodeShapeName,
  decodeCase,
  parseDecodeShapes,
  QUICK_DECODE_SHAPES,
  sourcedConfig,
} from './decode-cases.js';
import {
  bestTorch,
  type DecodeBenchRecord,
  type DecodeShapeResult,
  decodeTable,
  type LoraDecodeOutcome,
  type Outcome,
  ok,
  shapeLabel,
  type TorchDecodeRun,
} from './decode-table.js';
import { describeLoad, machineInfo } from './machine.js';
import { median } from './measure.js';
import { writeResultsFile } from './results-file.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const OUT_FILE = fileURLToPath(new URL('../../../bench-results/decode.json', import.meta.url));
const PYTHON_BENCH = fileURLToPath(new URL('../python/models_bench.py', import.meta.url));
const THREADS = 2;
const TORCH_THREADS = [1, 2];

/** Child process: builds the dense and the NF4 model from the same weights, then times their decoding interleaved. */
async function runLoraDecode(c: DecodeCase): Promise<LoraDecodeOutcome> {
  await registerWasmBackend({ threads: THREADS });
  await setBackend('wasm');
  const config = parseModelConfig(c.config, `decode bench ${c.shape} config`);
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
  /** decoder layers of each Qwen shape (default 8; 1 to 24 for the 0.5B shape, to 28 for the 1.5B) */
  layers?: number;
  /** the shapes to decode, in table order; default all three, or QUICK_DECODE_SHAPES with quick */
  shapes?: readonly DecodeShapeName[];
  /** default LORA_BENCH_PYTHON, else /usr/bin/python3 (Debian's torch) */
  python?: string;
  outFile?: string;
}

function runShape(c: DecodeCase, configSource: string, python: string): DecodeShapeResult {
  process.stderr.write(`  ${c.shape}: @lora/models dense and NF4, interleaved ...\n`);
  const lora = loraChild(c);
  const torch = TORCH_THREADS.map((threads) => {
    process.stderr.write(`  ${c.shape}: PyTorch ×${threads} ...\n`);
    return torchDecode(c, threads, python);
  });
  for (const o of [lora, ...torch]) if (!ok(o)) process.stderr.write(`  ${c.shape}: ${o.error}\n`);
  return { case: c, configSource, lora, torch, torchBestThreads: bestTorch(torch)?.threads ?? null };
}

/** Decodes each shape on @lora/models (dense and NF4) and PyTorch, prints the table and writes the JSON record. */
export async function runDecodeBench(options: DecodeBenchOptions = {}): Promise<DecodeBenchRecord> {
  const python = options.python ?? process.env.LORA_BENCH_PYTHON ?? '/usr/bin/python3';
  const quick = options.quick ?? false;
  const names = options.shapes ?? (quick ? QUICK_DECODE_SHAPES : DECODE_SHAPES);
  const cases = names.map((shape) => {
    const { config, source } = sourcedConfig(shape);
    return { c: decodeCase(shape, quick, options.layers, config), source };
  }); // every case is checked before the first child starts
  const machine = machineInfo();
  console.log(
    `\ndecode: greedy decoding, seeded random weights, full vocabularies; ${describeLoad(machine)}`,
  );
  for (const { c, source } of cases)
    console.log(
      `  ${shapeLabel(c)}: ${c.prompt}-token prompt, ${c.newTokens} new tokens, ${c.reps} runs (${source})`,
    );
  const shapes = cases.map(({ c, source }) => runShape(c, source, python));
  console.log(
    '\ndecoding tokens/s (median of the timed runs, prefill excluded); ratios within each shape, in the same run;' +
      "\n@lora's two rows per shape share one child process (both models): its peak RSS\n",
  );
  console.log(decodeTable(shapes));
  const record: DecodeBenchRecord = { machine, shapes };
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
    const shapes = process.argv.indexOf('--decode-shapes');
    await runDecodeBench({
      quick: process.argv.includes('--quick'),
      layers: flagNumber('--decode-layers'),
      shapes: shapes < 0 ? undefined : parseDecodeShapes(process.argv[shapes + 1] ?? ''),
    });
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
