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
  /** 1, 5 and 15 minute load averages when the run started: above the core count means shared cores */
  loadAverage: number[];
  date: string;
}

export function machineInfo(now = new Date()): MachineInfo {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: platform(),
    arch: arch(),
    node: process.version,
    v8: process.versions.v8,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    date: now.toISOString(),
  };
}
