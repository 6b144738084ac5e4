import { describe, expect, expectTypeOf, test } from 'vitest';
import { option } from './option-spec.js';
import { merge, only, type OptionValues, without } from './option-types.js';
import { Options } from './options.js';
import type { EvalOptions, PlanOptions, TrainOptions } from './verb-options.js';

const A = [
  option('lr', 'number', 'rate', { min: 0, max: 1, default: 0.1 }),
  option('quant', 'choice', 'q', { choices: ['nf4', 'none'], default: 'nf4' }),
  option('steps', 'int', 'steps', { min: 1, max: 10 }),
  option('flag', 'boolean', 'a flag'),
  option('targets', 'list', 'targets', { default: ['all-linear'] }),
  option('out', 'path', 'folder'),
  option('map', 'object', 'mapping', { configOnly: true }),
  option('vars', 'pairs', 'name=value pairs'),
];
const B = [option('quant', 'choice', 'q', { choices: ['auto', 'nf4', 'none'], default: 'auto' })];

describe('value types inferred from the declarations', () => {
  test('each type, and undefined only where there is no default', () => {
    type V = OptionValues<(typeof A)[number]>;
    expectTypeOf<V['lr']>().toEqualTypeOf<number>();
    expectTypeOf<V['quant']>().toEqualTypeOf<'nf4' | 'none'>();
    expectTypeOf<V['steps']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<V['flag']>().toEqualTypeOf<boolean>();
    expectTypeOf<V['targets']>().toEqualTypeOf<string[]>();
    expectTypeOf<V['out']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<V['map']>().toEqualTypeOf<unknown>();
    expectTypeOf<V['vars']>().toEqualTypeOf<Record<string, string> | undefined>();
  });

  test("the verbs' objects", () => {
    expectTypeOf<TrainOptions['lr']>().toEqualTypeOf<number>();
    expectTypeOf<TrainOptions['quant']>().toEqualTypeOf<'nf4' | 'fp4' | 'none'>();
    expectTypeOf<TrainOptions['eval_data']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<TrainOptions['target_modules']>().toEqualTypeOf<string[]>();
    expectTypeOf<EvalOptions['quant']>().toEqualTypeOf<'auto' | 'nf4' | 'fp4' | 'none'>();
    expectTypeOf<EvalOptions['batch_size']>().toEqualTypeOf<number>();
    expectTypeOf<PlanOptions>().not.toHaveProperty('lr');
  });
});

describe('merge, only, without', () => {
  test('a later declaration replaces an earlier one, in place', () => {
    const merged = merge(A, B);
    expect(merged.map((s) => s.key)).toEqual([
      'lr',
      'quant',
      'steps',
      'flag',
      'targets',
      'out',
      'map',
      'vars',
    ]);
    expect(merged.find((s) => s.key === 'quant')?.default).toBe('auto');
    expectTypeOf<OptionValues<(typeof merged)[number]>['quant']>().toEqualTypeOf<'auto' | 'nf4' | 'none'>();
  });

  test('only and without pick by key, and say so in the type', () => {
    const picked = only(A, ['lr', 'flag']);
    const rest = without(A, ['lr', 'flag']);
    expect(picked.map((s) => s.key)).toEqual(['lr', 'flag']);
    expect(rest.map((s) => s.key)).toEqual(['quant', 'steps', 'targets', 'out', 'map', 'vars']);
    expectTypeOf<keyof OptionValues<(typeof picked)[number]>>().toEqualTypeOf<'lr' | 'flag'>();
  });
});

describe('Options.values', () => {
  test('defaults, unset booleans as false, and later sets seen through the same object', () => {
    const options = new Options<OptionValues<(typeof A)[number]>>('train', A);
    const opts = options.values;
    expect(opts.lr).toBe(0.1);
    expect(opts.flag).toBe(false);
    expect(opts.steps).toBeUndefined();
    options.set('steps', 4, 'default');
    options.apply('flag', 'true', 'flag', '/');
    expect(opts.steps).toBe(4);
    expect(opts.flag).toBe(true);
    expect(() => {
      (opts as { lr: number }).lr = 2;
    }).toThrow(TypeError);
  });

  test('fill sets what the user left unset, and nothing else', () => {
    const options = new Options<OptionValues<(typeof A)[number]>>('train', A);
    options.apply('lr', '0.5', 'flag', '/');
    options.fill({ lr: 0.01, steps: 3 }, 'default');
    expect(options.values.lr).toBe(0.5);
    expect(options.values.steps).toBe(3);
  });

  test('require names the flag and the config key of a missing value', () => {
    const options = new Options<OptionValues<(typeof A)[number]>>('train', A);
    expect(() => options.require('out')).toThrow(
      'lora train: expected --out (or "out:" in --config), got none',
    );
    options.set('out', '/tmp/x', 'default');
    expectTypeOf(options.require('out')).toEqualTypeOf<string>();
    expect(options.require('out')).toBe('/tmp/x');
  });
});
