// The decode table's results and their printing: one row group per shape — @lora dense f32, @lora NF4, PyTorch on
// each thread count (the best marked) — with tokens/s, ratios within the shape, build seconds and each process's
// peak RSS (@lora's two rows share one child process per shape, both models in it).
import type { DecodeCase } from './decode-cases.js';
import type { machineInfo } from './machine.js';
import { formatTable } from './table.js';

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
  /** the child's peak RSS (both models of the shape at once) */
  peakRssMiB: number;
}

export interface TorchDecodeRun {
  threads: number;
  tokensPerSecond: number;
  peakRssMiB: number;
}

export type Outcome<T> = T | { error: string };
export const ok = <T extends object>(o: Outcome<T>): o is T => !('error' in o);

/** One shape's row group. */
export interface DecodeShapeResult {
  case: DecodeCase;
  /** the config's file, or the inlined copy */
  configSource: string;
  lora: Outcome<LoraDecodeOutcome>;
  torch: Outcome<TorchDecodeRun>[];
  /** the faster PyTorch run's thread count; null where none ran */
  torchBestThreads: number | null;
}

/** What the decode table measured: bench-results/decode.json. */
export interface DecodeBenchRecord {
  machine: ReturnType<typeof machineInfo>;
  /** in table order: small, qwen2.5-0.5b, qwen2.5-1.5b (those that ran) */
  shapes: DecodeShapeResult[];
}

/** The faster of the PyTorch runs that succeeded. */
export function bestTorch(runs: readonly Outcome<TorchDecodeRun>[]): TorchDecodeRun | undefined {
  return runs
    .filter(ok)
    .reduce<TorchDecodeRun | undefined>(
      (b, r) => (!b || r.tokensPerSecond > b.tokensPerSecond ? r : b),
      undefined,
    );
}

/** "qwen2.5-1.5b, 8 of 28 layers" */
export const shapeLabel = (c: DecodeCase) => `${c.shape}, ${c.layers} of ${c.totalLayers} layers`;

const fmt = (x: number | undefined, digits = 2) => (x === undefined ? '—' : x.toFixed(digits));
const ratio = (x: number | undefined, y: number | undefined) =>
  x === undefined || y === undefined ? '—' : `${(x / y).toFixed(2)}×`;

function shapeRows(s: DecodeShapeResult): string[][] {
  const best = bestTorch(s.torch);
  const dense = ok(s.lora) ? s.lora.dense.tokensPerSecond : undefined;
  const rows: string[][] = [];
  if (ok(s.lora)) {
    for (const m of [s.lora.dense, s.lora.nf4]) {
      rows.push([
        `  ${m.engine}`,
        fmt(m.tokensPerSecond),
        ratio(m.tokensPerSecond, dense),
        ratio(m.tokensPerSecond, best?.tokensPerSecond),
        fmt(m.buildSeconds, 1),
        fmt(s.lora.peakRssMiB, 0),
      ]);
    }
  } else rows.push(['  @lora/models: failed (its error is above)', '—', '—', '—', '', '']);
  for (const r of s.torch) {
    if (!ok(r)) {
      rows.push(['  PyTorch dense: failed (its error is above)', '—', '—', '—', '', '']);
      continue;
    }
    rows.push([
      `  PyTorch dense, ${r.threads} thread${r.threads === 1 ? '' : 's'}${r === best ? ' (best)' : ''}`,
      fmt(r.tokensPerSecond),
      ratio(r.tokensPerSecond, dense),
      ratio(r.tokensPerSecond, best?.tokensPerSecond),
      '',
      fmt(r.peakRssMiB, 0),
    ]);
  }
  return [[shapeLabel(s.case)], ...rows];
}

/** The table: a row group per shape, headed by the shape and its layers. */
export function decodeTable(shapes: readonly DecodeShapeResult[]): string {
  const header = ['shape / engine', 'tokens/s', '÷ @lora dense', '÷ PyTorch best', 'build s', 'peak RSS MiB'];
  return formatTable(header, shapes.flatMap(shapeRows));
}
