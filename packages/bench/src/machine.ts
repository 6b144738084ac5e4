// Describes the machine a benchmark ran on, for the JSON record.
import { arch, availableParallelism, cpus, loadavg, platform, totalmem } from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  arch: string;
  node: string;
  v8: string;
  /** 1, 5 and 15 minute load averages when the run started (they include the bench's own earlier tables) */
  loadAverage: number[];
  /**
   * cores kept busy by other processes just before the run started: the machine's busy time over a short sample
   * while the bench itself waits (0 on a quiet machine; null when not sampled)
   */
  busyCores: number | null;
  date: string;
}

/** How long machineInfo samples the cores' busy time by default. */
const BUSY_SAMPLE_MS = 500;

/** Sleeps the thread (no event loop turns): the bench waits, so the busy time sampled is other processes'. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Cores' worth of busy time (user, nice, sys, irq) across the machine over `ms`, while this thread sleeps. */
export function busyCores(ms: number): number {
  const busy = () =>
    cpus().reduce(
      (acc, c) => {
        const { user, nice, sys, irq, idle } = c.times;
        return { busy: acc.busy + user + nice + sys + irq, all: acc.all + user + nice + sys + irq + idle };
      },
      { busy: 0, all: 0 },
    );
  const before = busy();
  sleepSync(ms);
  const after = busy();
  const all = after.all - before.all;
  return all > 0 ? Math.round(((after.busy - before.busy) / all) * cpus().length * 100) / 100 : 0;
}

/** The machine, with its cores' busy time sampled over `sampleMs` first (0: not sampled). */
export function machineInfo(now = new Date(), sampleMs = BUSY_SAMPLE_MS): MachineInfo {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: platform(),
    arch: arch(),
    node: process.version,
    v8: process.versions.v8,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    busyCores: sampleMs > 0 ? busyCores(sampleMs) : null,
    date: now.toISOString(),
  };
}

/** "load 1.7 2 3.35, other processes 0.02 cores busy": what a table prints of the machine as it started. */
export function describeLoad(machine: Pick<MachineInfo, 'loadAverage' | 'busyCores'>): string {
  const others = machine.busyCores === null ? '' : `, other processes ${machine.busyCores} cores busy`;
  return `load ${machine.loadAverage.join(' ')}${others}`;
}
