// Times a function (sync, or async such as a step that ends in a readback): a warm-up run, then repetitions until a
// time budget is spent, reporting the median.

export interface MeasureOptions {
  /** stop repeating once this much time has gone into the timed runs */
  budgetMs: number;
  minReps: number;
  maxReps: number;
}

export interface Measurement {
  /** median wall time of the timed runs */
  medianMs: number;
  minMs: number;
  /** median process CPU time (all threads) of the timed runs */
  medianCpuMs: number;
  reps: number;
  /** true when one run alone exceeded the budget, so the warm-up run is the only sample */
  warmupOnly: boolean;
}

export interface Clock {
  wallMs(): number;
  cpuMs(): number;
}

const processClock: Clock = {
  wallMs: () => performance.now(),
  cpuMs: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
};

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function measure(
  run: () => unknown,
  options: MeasureOptions,
  clock: Clock = processClock,
): Promise<Measurement> {
  const timeOnce = async (): Promise<[number, number]> => {
    const wall = clock.wallMs();
    const cpu = clock.cpuMs();
    await run();
    return [clock.wallMs() - wall, clock.cpuMs() - cpu];
  };
  const warm = await timeOnce();
  if (warm[0] >= options.budgetMs) {
    return { medianMs: warm[0], minMs: warm[0], medianCpuMs: warm[1], reps: 1, warmupOnly: true };
  }
  const walls: number[] = [];
  const cpus: number[] = [];
  let spent = 0;
  while (walls.length < options.maxReps && (walls.length < options.minReps || spent < options.budgetMs)) {
    const [wall, cpu] = await timeOnce();
    walls.push(wall);
    cpus.push(cpu);
    spent += wall;
  }
  return {
    medianMs: median(walls),
    minMs: Math.min(...walls),
    medianCpuMs: median(cpus),
    reps: walls.length,
    warmupOnly: false,
  };
}
