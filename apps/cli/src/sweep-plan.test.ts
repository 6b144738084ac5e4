import { describe, expect, test } from 'vitest';
import { parseSweep, planTrials } from './sweep-plan.js';
import { TRAIN_OPTIONS } from './verb-options.js';

const specs = new Map(TRAIN_OPTIONS.map((s) => [s.key, s]));
const parse = (raw: unknown) => parseSweep(raw, 'sweep.yml line 9', specs, '/base');

describe('planTrials', () => {
  test('grid: every combination, first parameter slowest, values checked like flags', () => {
    const trials = planTrials(
      parse({ parameters: { lr: ['1e-4', 3e-4], lora_r: [8, 16], use_dora: [false] } }),
    );
    expect(trials.map((t) => t.overrides)).toEqual([
      { lr: 1e-4, lora_r: 8, use_dora: false },
      { lr: 1e-4, lora_r: 16, use_dora: false },
      { lr: 3e-4, lora_r: 8, use_dora: false },
      { lr: 3e-4, lora_r: 16, use_dora: false },
    ]);
    expect(trials.map((t) => t.name)).toEqual([
      '01_lr-0.0001_lora_r-8_use_dora-false',
      '02_lr-0.0001_lora_r-16_use_dora-false',
      '03_lr-0.0003_lora_r-8_use_dora-false',
      '04_lr-0.0003_lora_r-16_use_dora-false',
    ]);
  });

  test('a scalar is a single value; trials cuts a grid short', () => {
    const trials = planTrials(parse({ trials: 2, parameters: { lora_r: [4, 8, 16], lr: 1e-3 } }));
    expect(trials.map((t) => t.overrides)).toEqual([
      { lora_r: 4, lr: 1e-3 },
      { lora_r: 8, lr: 1e-3 },
    ]);
  });

  test('random over lists: distinct grid points, the same for the same seed', () => {
    const sweep = {
      method: 'random',
      trials: 3,
      seed: 7,
      parameters: { lr: [1e-4, 2e-4, 3e-4], lora_r: [4, 8] },
    };
    const a = planTrials(parse(sweep)).map((t) => JSON.stringify(t.overrides));
    const b = planTrials(parse(sweep)).map((t) => JSON.stringify(t.overrides));
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(3);
    const other = planTrials(parse({ ...sweep, seed: 8 })).map((t) => JSON.stringify(t.overrides));
    expect(other).not.toEqual(a);
  });

  test('random over ranges: log-uniform inside the bounds, integers for int options', () => {
    const trials = planTrials(
      parse({
        method: 'random',
        trials: 20,
        parameters: { lr: { min: 1e-5, max: 1e-2, scale: 'log' }, lora_r: { min: 2, max: 64 } },
      }),
    );
    for (const t of trials) {
      expect(t.overrides.lr as number).toBeGreaterThanOrEqual(1e-5);
      expect(t.overrides.lr as number).toBeLessThanOrEqual(1e-2);
      expect(Number.isInteger(t.overrides.lr)).toBe(false);
      expect(Number.isInteger(t.overrides.lora_r)).toBe(true);
    }
    // log-uniform: about half the draws below the geometric mean 3.2e-4
    const below = trials.filter((t) => (t.overrides.lr as number) < Math.sqrt(1e-5 * 1e-2)).length;
    expect(below).toBeGreaterThan(4);
    expect(below).toBeLessThan(16);
  });
});

describe('parseSweep refuses', () => {
  test.each([
    [
      { parameters: { lora_rank: [8] } },
      'sweep.yml line 9: sweep.parameters: unknown or fixed option "lora_rank" (did you mean "lora_r"?)',
    ],
    [{ parameters: { output: ['a'] } }, 'unknown or fixed option "output"'],
    [
      { parameters: { lora_r: ['x'] } },
      'sweep.yml line 9: sweep.parameters.lora_r: expected an integer in [1, 4096], got "x"',
    ],
    [{ parameters: { lr: [] } }, 'sweep.parameters.lr: expected at least one value'],
    [{ parameters: {} }, 'sweep.parameters: expected a mapping of option: [values]'],
    [{ method: 'bayes', parameters: { lr: [1] } }, 'sweep.method: expected grid or random, got "bayes"'],
    [{ method: 'random', parameters: { lr: [1] } }, 'sweep.trials: expected the number of random trials'],
    [{ parameters: { lr: { min: 1e-5, max: 1e-3 } } }, 'a range needs method: random'],
    [
      { method: 'random', trials: 2, parameters: { lr: { min: 1e-3, max: 1e-4 } } },
      'sweep.parameters.lr: expected numbers with min < max',
    ],
    [
      { method: 'random', trials: 2, parameters: { lora_dropout: { min: 0, max: 0.5, scale: 'log' } } },
      'sweep.parameters.lora_dropout: a log scale needs min > 0, got 0',
    ],
    [{ paramters: { lr: [1] } }, 'sweep: unknown key "paramters" (did you mean "parameters"?)'],
    [
      { trials: 1e300, parameters: { lr: [1e-3] } },
      'sweep.trials: expected an integer in [1, 10000], got number 1e+300',
    ],
    [
      { seed: null, parameters: { lr: [1e-3] } },
      'sweep.seed: expected a value (or the key left out for its default), got null',
    ],
    [
      { seed: Number.NaN, parameters: { lr: [1e-3] } },
      'sweep.seed: expected an integer in [0, 4294967295], got NaN',
    ],
    [{ parameters: { lr: [Number.NaN] } }, 'sweep.parameters.lr: expected a number in (0, 1), got NaN'],
    [
      { parameters: { epochs: [1e300] } },
      'sweep.parameters.epochs: expected a number in (0, 10000), got number 1e+300',
    ],
  ])('%j', (raw, message) => {
    expect(() => parse(raw)).toThrow(message);
  });
});
