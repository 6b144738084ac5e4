// QLoRA memory row: the peak RSS of one real `lora train` QLoRA step at the Qwen2.5-1.5B shape (its config.json from
// the shared fixtures, 512-token sequences, gradient checkpointing; peak-rss-run.ts) against the planner's prediction
// for the same run (@lora/sft planMemory). Takes minutes; skipped with one line when the fixtures are absent. Prints
// its lines and writes bench-results/qlora-memory.json (never the sft fixture). Run alone with
// `tsx --conditions=@lora/source src/qlora-memory-bench.ts`, or through main.ts (full runs, or --memory-15b).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_VOCAB_CHUNK, memoryShapes, parseModelConfig } from '@lora/models';
import { type MeasuredRun, measuredRunPlanInput, planMemory } from '@lora/sft';
import { describeLoad, machineInfo } from './machine.js';
import { measurePeakRss, PeakRssRunError, REPO_ROOT } from './peak-rss-run.js';
import { writeResultsFile } from './results-file.js';

const OUT_FILE = fileURLToPath(new URL('../../../bench-results/qlora-memory.json', import.meta.url));

/** Issue 14's memory case: the Qwen2.5-1.5B shape, QLoRA, 512-token sequences, gradient checkpointing allowed. */
export const QLORA_MEMORY_CASE = {
  name: 'qwen2.5-1.5b-t512-gc',
  label:
    'QLoRA step, Qwen2.5-1.5B shape (NF4 + double quant, r16 all-linear), 512 tokens, gradient checkpointing',
  config: ['qwen2.5-instruct', 'config.qwen2.5-1.5b-instruct.resaved-transformers5.json'],
  tokenizer: ['qwen2.5-instruct'],
  tokens: 512,
  gradientCheckpointing: true,
} as const;

/** The folders searched for the shared fixtures: LORA_SHARED_FIXTURES, then ../shared/fixtures beside the repository. */
export function sharedFixtureDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [join(REPO_ROOT, '..', 'shared', 'fixtures')];
  return env.LORA_SHARED_FIXTURES ? [env.LORA_SHARED_FIXTURES, ...dirs] : dirs;
}

/** The case's config.json and tokenizer folder in the first fixture folder holding all three files, or why not. */
export function memoryFixtures(
  dirs: readonly string[],
  exists: (path: string) => boolean = existsSync,
): { config: string; tokenizer: string } | { skipped: string } {
  for (const dir of dirs) {
    const config = join(dir, ...QLORA_MEMORY_CASE.config);
    const tokenizer = join(dir, ...QLORA_MEMORY_CASE.tokenizer);
    const files = [config, join(tokenizer, 'tokenizer.json'), join(tokenizer, 'tokenizer_config.json')];
    if (files.every((f) => exists(f))) return { config, tokenizer };
  }
  return {
    skipped:
      `QLoRA 1.5B memory: expected the shared fixture ${QLORA_MEMORY_CASE.config.join('/')} with tokenizer.json ` +
      `and tokenizer_config.json in ${dirs.join(' or ')}, found none`,
  };
}

/** Whether the QLoRA 1.5B memory row runs: on in a full run, off with --quick unless --memory-15b asks for it. */
export function memoryRowWanted(argv: readonly string[]): { run: true } | { skipped: string } {
  if (argv.includes('--no-memory-15b')) return { skipped: 'QLoRA 1.5B memory: --no-memory-15b' };
  if (argv.includes('--quick') && !argv.includes('--memory-15b'))
    return { skipped: 'QLoRA 1.5B memory: off with --quick (add --memory-15b; it takes minutes)' };
  return { run: true };
}

export interface QloraMemoryResult {
  run: MeasuredRun;
  /** the planner's total for the same run, bytes */
  plannedBytes: number;
  /** plannedBytes ÷ run.peakRssBytes */
  planRatio: number;
  /** tokens ÷ the step's train_runtime (its checkpoint save included); null where the run wrote none */
  stepTokensPerSecond: number | null;
  /** 1, 5 and 15 minute load averages when the run started */
  loadAverage: number[];
  /** cores other processes kept busy just before the run started (MachineInfo.busyCores) */
  busyCores: number | null;
}

/** skipped: not run (no fixtures); error: `lora train` or its /usr/bin/time record failed */
export type QloraMemoryOutcome = QloraMemoryResult | { skipped: string } | { error: string };

/** The planner's prediction for a measured run, and its ratio to the measurement. */
export function planAgainst(run: MeasuredRun): { plannedBytes: number; planRatio: number } {
  const model = memoryShapes(parseModelConfig(run.config, run.source));
  const plannedBytes = planMemory(measuredRunPlanInput(run, model, DEFAULT_VOCAB_CHUNK)).total;
  return { plannedBytes, planRatio: plannedBytes / run.peakRssBytes };
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB (${(bytes / 2 ** 30).toFixed(2)} GiB)`;

/** The row's printed lines: the case, the measured peak, the plan and their ratio, the time it took. */
export function qloraMemoryLines(outcome: QloraMemoryOutcome): string[] {
  if ('skipped' in outcome) return [`skipped: ${outcome.skipped}`];
  if ('error' in outcome) return [`failed: ${outcome.error}`];
  const { run } = outcome;
  const rate = outcome.stepTokensPerSecond === null ? '—' : outcome.stepTokensPerSecond.toFixed(1);
  return [
    `peak RSS ${gb(run.peakRssBytes)}; planner ${gb(outcome.plannedBytes)}, ` +
      `plan ÷ measured ${outcome.planRatio.toFixed(3)}×`,
    `wall ${run.wallSeconds.toFixed(0)} s for load, quantize and one step; step ${rate} tokens/s ` +
      `(train_runtime, its checkpoint save included)`,
    `command: ${run.command}`,
  ];
}

export interface QloraMemoryBenchOptions {
  /** where the checkpoint (kept between runs), data and run go; peak-rss-run's default by default */
  dir?: string;
  fixtureDirs?: readonly string[];
  outFile?: string;
}

/** Runs the case once (minutes), prints its lines and writes the record; a missing fixture skips it. */
export async function runQloraMemoryBench(
  options: QloraMemoryBenchOptions = {},
): Promise<QloraMemoryOutcome> {
  const machine = machineInfo();
  console.log(`\nQLoRA memory: ${QLORA_MEMORY_CASE.label}; ${describeLoad(machine)}`);
  const fixtures = memoryFixtures(options.fixtureDirs ?? sharedFixtureDirs());
  let outcome: QloraMemoryOutcome;
  if ('skipped' in fixtures) outcome = fixtures;
  else {
    process.stderr.write(`  lora train ${QLORA_MEMORY_CASE.name} (minutes) ...\n`);
    try {
      const { record, trainRuntimeSeconds } = await measurePeakRss({
        name: QLORA_MEMORY_CASE.name,
        ...fixtures,
        tokens: QLORA_MEMORY_CASE.tokens,
        gradientCheckpointing: QLORA_MEMORY_CASE.gradientCheckpointing,
        stdio: 'ignore',
        ...(options.dir !== undefined && { dir: options.dir }),
      });
      const rate = trainRuntimeSeconds === null ? null : record.tokens / trainRuntimeSeconds;
      const { loadAverage, busyCores } = machine;
      outcome = { run: record, ...planAgainst(record), stepTokensPerSecond: rate, loadAverage, busyCores };
    } catch (error) {
      if (!(error instanceof PeakRssRunError)) throw error;
      outcome = { error: `QLoRA 1.5B memory: ${error.message}` };
    }
  }
  console.log(qloraMemoryLines(outcome).join('\n'));
  const outFile = options.outFile ?? OUT_FILE;
  await writeResultsFile(outFile, { machine, case: QLORA_MEMORY_CASE, outcome });
  console.log(`wrote ${outFile}`);
  return outcome;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  runQloraMemoryBench().catch((error: unknown) => {
    console.error(`QLoRA memory bench failed: ${error instanceof Error ? error.message : error}`);
    if (process.argv.includes('--debug') && error instanceof Error) console.error(error.stack);
    process.exit(1);
  });
}
