// The run's log files in its storage: metrics.jsonl (one JSON object per logged step or evaluation) and training.log
// (the same as human-readable lines). Appends only; on resume, entries past the checkpoint go.
import { readText, type RunStorage } from './run-storage.js';

export const METRICS_FILE = 'metrics.jsonl';
export const LOG_FILE = 'training.log';

/** A metrics.jsonl line: always `step` and `epoch`, then the training or evaluation fields. */
export type MetricsEntry = { step: number; epoch: number } & Record<string, number | string>;

function formatValue(key: string, v: number | string): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  if (key === 'lr' || Math.abs(v) < 1e-3) return v.toExponential(3);
  if (key === 'tokens_per_sec' || key === 'peak_memory_mb') return v.toFixed(1);
  if (key.endsWith('_runtime')) return `${v.toFixed(3)}s`;
  return v.toFixed(4);
}

/** One training.log line: ISO time, then key value pairs. */
export function formatLogLine(entry: Readonly<Record<string, number | string>>, now = new Date()): string {
  const parts = Object.entries(entry).map(([k, v]) => `${k} ${formatValue(k, v)}`);
  return `${now.toISOString()} ${parts.join(' | ')}\n`;
}

export class RunLog {
  readonly storage: RunStorage;
  constructor(storage: RunStorage) {
    this.storage = storage;
  }

  /** Append one entry to metrics.jsonl and its line to training.log. */
  async write(entry: MetricsEntry): Promise<void> {
    await this.storage.appendFile(METRICS_FILE, `${JSON.stringify(entry)}\n`);
    await this.storage.appendFile(LOG_FILE, formatLogLine(entry));
  }

  /** A free-form training.log line (start, resume, checkpoint saved, stop). */
  async note(message: string): Promise<void> {
    await this.storage.appendFile(LOG_FILE, `${new Date().toISOString()} ${message}\n`);
  }

  /**
   * Keep only metrics.jsonl entries with step <= `step` (a resumed run rewrites what came after its checkpoint);
   * rewritten atomically.
   */
  async truncateAfter(step: number): Promise<void> {
    const text = await readText(this.storage, METRICS_FILE);
    if (text === undefined) return;
    const kept = text.split('\n').filter((line) => {
      if (line.trim() === '') return false;
      try {
        return (JSON.parse(line) as { step?: number }).step! <= step;
      } catch {
        return false; // a line torn by a crash mid-append
      }
    });
    await this.storage.writeFile(METRICS_FILE, kept.map((l) => `${l}\n`).join(''));
  }
}
