// A sweep's trials: the grid of every combination, or `trials` seeded random picks (from lists, or from ranges
// `{ min, max, scale: log }`); every parameter is a train option checked like a flag.
import { createPrng } from '@lora/datasets';
import { suggestion } from './did-you-mean.js';
import { ConfigError, preview } from './errors.js';
import { LIMITS, type OptionSpec } from './option-spec.js';
import { coerce, shown } from './options.js';

export interface SweepSpec {
  method: 'grid' | 'random';
  trials: number | undefined;
  seed: number;
  metric: string;
  parameters: Map<string, ParameterSpace>;
}

export type ParameterSpace =
  | { kind: 'values'; values: unknown[] }
  | { kind: 'range'; min: number; max: number; scale: 'linear' | 'log'; integer: boolean };

export interface Trial {
  /** folder name: 01_lr-0.0001_lora_r-8 */
  name: string;
  overrides: Record<string, unknown>;
}

const SWEEP_KEYS = ['method', 'trials', 'seed', 'metric', 'parameters'];
/** more trials than anyone runs; 1e300 would plan an array it cannot allocate */
const MAX_TRIALS = 10_000;
/** options a trial may not change: they decide where and what the sweep is */
const FIXED = new Set(['config', 'debug', 'output', 'resume', 'data', 'eval_data', 'model', 'sweep']);

/** Parse and check the `sweep:` mapping of a config (`label` names the file and line). */
export function parseSweep(
  raw: unknown,
  label: string,
  trainSpecs: ReadonlyMap<string, OptionSpec>,
  baseDir: string,
): SweepSpec {
  const fail = (message: string): never => {
    throw new ConfigError(`${label}: sweep${message}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(`: expected a mapping with parameters:, got ${preview(raw)}`);
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r))
    if (!SWEEP_KEYS.includes(key)) fail(`: unknown key "${key}"${suggestion(key, SWEEP_KEYS)}`);
  // a null is not "left out": `?? default` would run the sweep with the default without a word
  for (const [key, value] of Object.entries(r))
    if (value === null) fail(`.${key}: expected a value (or the key left out for its default), got null`);
  const method = r.method ?? 'grid';
  if (method !== 'grid' && method !== 'random')
    fail(`.method: expected grid or random, got ${preview(method)}`);
  const trials = r.trials;
  if (
    trials !== undefined &&
    (!Number.isInteger(trials) || (trials as number) < 1 || (trials as number) > MAX_TRIALS)
  )
    fail(`.trials: expected an integer in [1, ${MAX_TRIALS}], got ${shown(trials)}`);
  if (method === 'random' && trials === undefined)
    fail('.trials: expected the number of random trials, got none');
  const seed = r.seed ?? 0;
  if (!Number.isInteger(seed) || (seed as number) < 0 || (seed as number) > LIMITS.seed)
    fail(`.seed: expected an integer in [0, ${LIMITS.seed}], got ${shown(seed)}`);
  const metric = r.metric ?? 'eval_loss';
  if (metric !== 'eval_loss' && metric !== 'train_loss')
    fail(`.metric: expected eval_loss or train_loss, got ${preview(metric)}`);
  const params = r.parameters;
  if (
    typeof params !== 'object' ||
    params === null ||
    Array.isArray(params) ||
    Object.keys(params).length === 0
  ) {
    fail(`.parameters: expected a mapping of option: [values], got ${preview(params)}`);
  }
  const allowed = [...trainSpecs.keys()].filter((k) => !FIXED.has(k));
  const parameters = new Map<string, ParameterSpace>();
  for (const [key, space] of Object.entries(params as Record<string, unknown>)) {
    const spec = trainSpecs.get(key);
    if (!spec || FIXED.has(key))
      fail(`.parameters: unknown or fixed option "${key}"${suggestion(key, allowed)}`);
    const at = `${label}: sweep.parameters.${key}`;
    const check = (v: unknown) => coerce(spec!, v, at, baseDir, (m) => new ConfigError(m));
    if (Array.isArray(space)) {
      if (space.length === 0) fail(`.parameters.${key}: expected at least one value, got an empty list`);
      parameters.set(key, { kind: 'values', values: space.map(check) });
    } else if (typeof space === 'object' && space !== null && 'min' in space && 'max' in space) {
      const s = space as { min: unknown; max: unknown; scale?: unknown };
      const min = check(s.min) as number;
      const max = check(s.max) as number;
      const scale = s.scale ?? 'linear';
      if (typeof min !== 'number' || !(max > min))
        fail(`.parameters.${key}: expected numbers with min < max, got ${preview(space)}`);
      if (scale !== 'linear' && scale !== 'log')
        fail(`.parameters.${key}.scale: expected linear or log, got ${preview(scale)}`);
      if (scale === 'log' && min <= 0) fail(`.parameters.${key}: a log scale needs min > 0, got ${min}`);
      if (method === 'grid')
        fail(`.parameters.${key}: a range needs method: random (a grid needs a list of values)`);
      parameters.set(key, {
        kind: 'range',
        min,
        max,
        scale: scale as 'linear' | 'log',
        integer: spec!.type === 'int',
      });
    } else {
      parameters.set(key, { kind: 'values', values: [check(space)] });
    }
  }
  return {
    method: method as 'grid' | 'random',
    trials: trials as number | undefined,
    seed: seed as number,
    metric: metric as string,
    parameters,
  };
}

function trialName(index: number, total: number, overrides: Record<string, unknown>): string {
  const width = Math.max(2, String(total).length);
  const parts = Object.entries(overrides).map(
    ([k, v]) => `${k}-${Array.isArray(v) ? v.join('+') : String(v)}`,
  );
  return [String(index + 1).padStart(width, '0'), ...parts].join('_').replace(/[^\w.+=-]/g, '');
}

function gridPoints(parameters: Map<string, ParameterSpace>): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [key, space] of parameters) {
    const values = space.kind === 'values' ? space.values : [];
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  return points;
}

/** The trials in order: every grid point, or `trials` seeded draws (distinct grid points while there are enough). */
export function planTrials(sweep: SweepSpec): Trial[] {
  const uniform = (rng: ReturnType<typeof createPrng>) => rng.nextUint32() / 2 ** 32;
  let points: Record<string, unknown>[];
  if (sweep.method === 'grid') {
    points = gridPoints(sweep.parameters);
    if (sweep.trials !== undefined) points = points.slice(0, sweep.trials);
  } else {
    const rng = createPrng(sweep.seed);
    const allValues = [...sweep.parameters.values()].every((s) => s.kind === 'values');
    const grid = allValues ? gridPoints(sweep.parameters) : [];
    const count = sweep.trials ?? 1;
    if (allValues && count <= grid.length) {
      for (let i = grid.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [grid[i], grid[j]] = [grid[j]!, grid[i]!];
      }
      points = grid.slice(0, count);
    } else {
      points = Array.from({ length: count }, () => {
        const point: Record<string, unknown> = {};
        for (const [key, space] of sweep.parameters) {
          if (space.kind === 'values') point[key] = space.values[rng.int(space.values.length)];
          else {
            const u = uniform(rng);
            const x =
              space.scale === 'log'
                ? Math.exp(Math.log(space.min) + u * (Math.log(space.max) - Math.log(space.min)))
                : space.min + u * (space.max - space.min);
            point[key] = space.integer ? Math.round(x) : Number(x.toPrecision(3));
          }
        }
        return point;
      });
    }
  }
  return points.map((overrides, i) => ({ name: trialName(i, points.length, overrides), overrides }));
}
