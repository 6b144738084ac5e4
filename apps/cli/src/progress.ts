// Training progress: a cli-progress bar with loss, lr, tokens/s and ETA on a terminal; plain lines otherwise.
import { SingleBar } from 'cli-progress';
import type { CliIo } from './io.js';

export interface ProgressUpdate {
  step: number;
  maxSteps: number;
  loss: number;
  lr: number;
  tokensPerSec: number;
  etaSeconds: number;
}

export interface ProgressView {
  update(event: ProgressUpdate): void;
  /** a line printed above the bar (eval results) */
  note(line: string): void;
  stop(): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** `step 10/120  loss 1.2345  lr 2.00e-4  812 tok/s  eta 41s` */
export function progressLine(e: ProgressUpdate): string {
  const width = String(e.maxSteps).length;
  return (
    `step ${String(e.step).padStart(width)}/${e.maxSteps}  loss ${e.loss.toFixed(4)}  lr ${e.lr.toExponential(2)}  ` +
    `${Math.round(e.tokensPerSec)} tok/s  eta ${formatDuration(e.etaSeconds)}`
  );
}

/** Plain lines every `every` steps (and the last) when stdout is not a terminal. */
function lineView(io: CliIo, every: number): ProgressView {
  return {
    update(e) {
      if (e.step % every === 0 || e.step === e.maxSteps) io.stdout.write(`${progressLine(e)}\n`);
    },
    note: (line) => io.stdout.write(`${line}\n`),
    stop: () => undefined,
  };
}

function barView(io: CliIo, stream: NodeJS.WritableStream): ProgressView {
  const bar = new SingleBar({
    format: 'train |{bar}| {value}/{total} steps | loss {loss} | lr {lr} | {tps} tok/s | ETA {etaText}',
    barsize: 24,
    hideCursor: true,
    clearOnComplete: false,
    stream,
    etaBuffer: 1,
  });
  let started = false;
  return {
    update(e) {
      const payload = {
        loss: e.loss.toFixed(4),
        lr: e.lr.toExponential(2),
        tps: Math.round(e.tokensPerSec),
        etaText: formatDuration(e.etaSeconds),
      };
      if (!started) {
        bar.start(e.maxSteps, e.step, payload);
        started = true;
      } else bar.update(e.step, payload);
    },
    note(line) {
      if (started) {
        // cli-progress redraws on the same line: clear it, print, and let the next update redraw the bar
        stream.write(`\r\x1b[2K${line}\n`);
      } else io.stdout.write(`${line}\n`);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function createProgressView(io: CliIo, loggingSteps: number): ProgressView {
  return io.isTTY && io.ttyStream ? barView(io, io.ttyStream) : lineView(io, loggingSteps);
}
