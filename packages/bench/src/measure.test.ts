import { describe, expect, test } from 'vitest';
import { type Clock, measure, median } from './measure.js';

/** A clock where each run takes the next of `durations` ms of wall time and half that of CPU time. */
function scriptedClock(durations: number[]): { clock: Clock; run: () => void; runs: () => number } {
  let wall = 0;
  let count = 0;
  return {
    clock: { wallMs: () => wall, cpuMs: () => wall / 2 },
    run: () => {
      wall += durations[count++] ?? 1;
    },
    runs: () => count,
  };
}

describe('median', () => {
  test.each([
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
    [[], Number.NaN],
  ])('median(%j) = %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});

describe('measure', () => {
  test('discards the warm-up run and reports the median of the timed runs', async () => {
    const s = scriptedClock([100, 10, 30, 20, 50, 40]);
    const m = await measure(s.run, { budgetMs: 1000, minReps: 5, maxReps: 5 }, s.clock);
    expect(s.runs()).toBe(6);
    expect(m).toEqual({ medianMs: 30, minMs: 10, medianCpuMs: 15, reps: 5, warmupOnly: false });
  });

  test('repeats past minReps until the budget is spent, and never past maxReps', async () => {
    const s = scriptedClock([1, 40, 40, 40, 40, 40, 40, 40]);
    expect((await measure(s.run, { budgetMs: 100, minReps: 1, maxReps: 10 }, s.clock)).reps).toBe(3);
    const t = scriptedClock(new Array(50).fill(1));
    expect((await measure(t.run, { budgetMs: 1000, minReps: 1, maxReps: 7 }, t.clock)).reps).toBe(7);
  });

  test('a warm-up run over the budget is the only sample', async () => {
    const s = scriptedClock([5000, 1]);
    const m = await measure(s.run, { budgetMs: 3000, minReps: 1, maxReps: 3 }, s.clock);
    expect(s.runs()).toBe(1);
    expect(m).toMatchObject({ medianMs: 5000, reps: 1, warmupOnly: true });
  });
});
