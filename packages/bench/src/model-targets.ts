// Issue 14's four targets, read from the tables of the same `pnpm bench` run: the LoRA step at the 0.5B shape
// (≥ 0.75× PyTorch at its best thread count) and on the small model (≥ 0.6×), NF4 greedy decoding of the 0.5B shape no
// slower than dense, and the 1.5B-shape QLoRA step within 3 GB peak RSS with the planner within 15%. Each row carries
// its measured value, the verdict, the baseline (with its thread count), and where the number came from (the table's
// command, and the load and other processes' busy cores when it started). Nothing is filled in: a table that did not run, or a baseline that
// failed, gives "—" and the reason.
import type { DecodeBenchRecord } from './decode-table.js';
import type { LoraStepBenchRecord, LoraStepCaseName } from './lora-step-bench.js';
import { describeLoad } from './machine.js';
import type { QloraMemoryOutcome } from './qlora-memory-bench.js';
import { formatTable } from './table.js';

/** @lora's step tokens/s ÷ PyTorch best's, at least */
export const STEP_TARGETS: Readonly<Record<LoraStepCaseName, number>> = { 'qwen2.5-0.5b': 0.75, small: 0.6 };
/** NF4 decoding tokens/s ÷ dense decoding tokens/s, at least ("no slower than dense") */
export const NF4_DECODE_TARGET = 1;
/** the 1.5B-shape QLoRA step's peak RSS, at most (3 GB) */
export const PEAK_RSS_LIMIT_BYTES = 3e9;
/** |planned ÷ measured − 1|, at most */
export const PLAN_TOLERANCE = 0.15;
/** other processes' busy cores above which a row's timings are marked contended */
export const CONTENDED_BUSY_CORES = 0.25;

type Load = Pick<ModelTarget, 'loadAverage' | 'busyCores'>;
const NOT_RUN: Load = { loadAverage: null, busyCores: null };
const loadOf = (m: { loadAverage: number[]; busyCores: number | null }): Load => ({
  loadAverage: m.loadAverage,
  busyCores: m.busyCores,
});

export type TargetId = 'step-0.5b' | 'step-small' | 'nf4-decode' | 'qlora-1.5b-memory';

export interface ModelTarget {
  id: TargetId;
  /** what is measured, in the issue's words */
  target: string;
  /** the bar, e.g. "≥ 0.75×" */
  goal: string;
  /** the measured value as printed, "—" where there is none */
  measured: string;
  /** the number the verdict compares (a ratio; bytes for the memory row); null where there is none */
  value: number | null;
  verdict: 'meets' | 'below' | '—';
  /** what the value is divided by, with its thread count */
  baseline: string;
  /** why there is no value; null where there is one */
  reason: string | null;
  /** 1, 5 and 15 minute load averages when the row's table started; null where it did not run */
  loadAverage: number[] | null;
  /** cores other processes kept busy just before the row's table started (MachineInfo.busyCores) */
  busyCores: number | null;
  /** how to run the row's table (or, for the memory row, the run itself) again */
  command: string;
}

/** A table that did not run, with the reason (a flag, a failure). */
export type NotRun = { skipped: string };

export interface TargetInputs {
  step: LoraStepBenchRecord | NotRun;
  decode: DecodeBenchRecord | NotRun;
  memory: QloraMemoryOutcome;
  /** --quick: the tables' commands carry it */
  quick: boolean;
}

const TSX = 'tsx --conditions=@lora/source';
const threadsOf = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;
const times = (x: number) => `${x.toFixed(2)}×`;

function noValue(
  base: Pick<ModelTarget, 'id' | 'target' | 'goal' | 'command'>,
  reason: string,
  load: Load,
  baseline = '—',
): ModelTarget {
  return { ...base, measured: '—', value: null, verdict: '—', baseline, reason, ...load };
}

function stepTarget(id: TargetId, name: LoraStepCaseName, inputs: TargetInputs): ModelTarget {
  const floor = STEP_TARGETS[name];
  const quick = inputs.quick ? ' --quick' : '';
  const base = {
    id,
    target: `LoRA step tokens/s ÷ PyTorch best, ${name === 'small' ? 'small model' : '0.5B shape'}`,
    goal: `≥ ${floor}×`,
    command: `${TSX} packages/bench/src/lora-step-bench.ts --case ${name}${quick}`,
  };
  if ('skipped' in inputs.step) return noValue(base, inputs.step.skipped, NOT_RUN);
  const load = loadOf(inputs.step.machine);
  const r = inputs.step.results.find((x) => x.case === name);
  if (!r) return noValue(base, `LoRA step table: case ${name} not run`, load);
  const failures = (runs: typeof r.torch) => runs.flatMap((o) => ('error' in o ? [o.error] : []));
  if (!r.torchBest)
    return noValue(base, `no PyTorch run: ${failures(r.torch).join('; ') || 'none ran'}`, load);
  const baseline = `PyTorch, ${threadsOf(r.torchBest.threads)} (best of ${r.torch.map((o) => o.threads).join(', ')})`;
  if (!r.loraBest || r.ratio === null)
    return noValue(base, `no @lora/models run: ${failures(r.lora).join('; ') || 'none ran'}`, load, baseline);
  return {
    ...base,
    measured: `${times(r.ratio)} (@lora ${threadsOf(r.loraBest.threads)} ${r.loraBest.tokensPerSecond.toFixed(1)} ÷ ${r.torchBest.tokensPerSecond.toFixed(1)} tok/s)`,
    value: r.ratio,
    verdict: r.ratio >= floor ? 'meets' : 'below',
    baseline,
    reason: null,
    ...load,
  };
}

function decodeTarget(inputs: TargetInputs): ModelTarget {
  const d = inputs.decode;
  const shape = 'skipped' in d ? undefined : d.shapes.find((s) => s.case.shape === 'qwen2.5-0.5b');
  const layers = shape?.case.layers ?? 8;
  const base = {
    id: 'nf4-decode' as const,
    target: `NF4 greedy decoding tokens/s ÷ dense, 0.5B shape (${layers} of 24 layers)`,
    goal: `≥ ${NF4_DECODE_TARGET.toFixed(2)}×`,
    command:
      `${TSX} packages/bench/src/decode-bench.ts --decode-shapes qwen2.5-0.5b --decode-layers ${layers}` +
      (inputs.quick ? ' --quick' : ''),
  };
  if ('skipped' in d) return noValue(base, d.skipped, NOT_RUN);
  const load = loadOf(d.machine);
  if (!shape) return noValue(base, 'decode table: shape qwen2.5-0.5b not run', load);
  if ('error' in shape.lora) return noValue(base, shape.lora.error, load);
  const { dense, nf4 } = shape.lora;
  const ratio = nf4.tokensPerSecond / dense.tokensPerSecond;
  const torch = shape.torch.find((t) => !('error' in t) && t.threads === shape.torchBestThreads);
  const vsTorch =
    torch && !('error' in torch)
      ? `; NF4 ÷ PyTorch best (${threadsOf(torch.threads)}) ${times(nf4.tokensPerSecond / torch.tokensPerSecond)}`
      : '; no PyTorch run';
  return {
    ...base,
    measured: `${times(ratio)} (${nf4.tokensPerSecond.toFixed(2)} ÷ ${dense.tokensPerSecond.toFixed(2)} tok/s)`,
    value: ratio,
    verdict: ratio >= NF4_DECODE_TARGET ? 'meets' : 'below',
    baseline: `${dense.engine}, same process${vsTorch}`,
    reason: null,
    ...load,
  };
}

function memoryTarget(inputs: TargetInputs): ModelTarget {
  const m = inputs.memory;
  const base = {
    id: 'qlora-1.5b-memory' as const,
    target: 'QLoRA step peak RSS, 1.5B shape, 512 tokens; planner ÷ measured',
    goal: `≤ ${PEAK_RSS_LIMIT_BYTES / 1e9} GB; within ${PLAN_TOLERANCE * 100}%`,
    command: `${TSX} packages/bench/src/qlora-memory-bench.ts`,
  };
  if ('skipped' in m) return noValue(base, m.skipped, NOT_RUN);
  if ('error' in m) return noValue(base, m.error, NOT_RUN);
  const peak = m.run.peakRssBytes;
  const meets = peak <= PEAK_RSS_LIMIT_BYTES && Math.abs(m.planRatio - 1) <= PLAN_TOLERANCE;
  return {
    ...base,
    measured: `${(peak / 1e9).toFixed(2)} GB; plan ${times(m.planRatio)}`,
    value: peak,
    verdict: meets ? 'meets' : 'below',
    baseline: `planner ${(m.plannedBytes / 1e9).toFixed(2)} GB (lora train on 2 threads)`,
    reason: null,
    ...loadOf(m),
    command: m.run.command,
  };
}

/** The four targets, in the issue's order. */
export function modelTargets(inputs: TargetInputs): ModelTarget[] {
  return [
    stepTarget('step-0.5b', 'qwen2.5-0.5b', inputs),
    stepTarget('step-small', 'small', inputs),
    decodeTarget(inputs),
    memoryTarget(inputs),
  ];
}

/**
 * The summary table, then one line per row: the reason where there is no value, else the load and command — marked
 * when other processes kept more than CONTENDED_BUSY_CORES cores busy as its table started (contended timings).
 */
export function modelTargetsLines(rows: readonly ModelTarget[]): string[] {
  const table = formatTable(
    ['target', 'goal', 'measured', 'verdict', 'baseline'],
    rows.map((r) => [r.target, r.goal, r.measured, r.verdict, r.baseline]),
  );
  const notes = rows.map((r) => {
    const contended = (r.busyCores ?? 0) > CONTENDED_BUSY_CORES ? ': contended timings' : '';
    const load = r.loadAverage
      ? `${describeLoad({ loadAverage: r.loadAverage, busyCores: r.busyCores })}${contended}`
      : 'not run';
    return `  ${r.id}: ${r.reason === null ? `${load}; ${r.command}` : `— because ${r.reason}`}`;
  });
  return [table, '', ...notes];
}
