import { describe, expect, test } from 'vitest';
import type { ConfigFile } from './config-file.js';
import { ConfigError } from './errors.js';
import type { OptionSpec } from './option-spec.js';
import { attributeOf, COUNT_OR_FRACTION, flagOf, POWER_OF_TWO } from './option-spec.js';
import { coerce, Options } from './options.js';

const spec = (type: OptionSpec['type'], extra: Partial<OptionSpec> = {}): OptionSpec => ({
  key: 'k',
  type,
  description: '',
  ...extra,
});
const ok = (s: OptionSpec, raw: unknown) => coerce(s, raw, '--k', '/base', (m) => new Error(m));

describe('coerce: flag strings and YAML values to one checked value', () => {
  test.each([
    [spec('int', { min: 1 }), '8', 8],
    [spec('int', { min: 1 }), 8, 8],
    [spec('number', { min: 0, exclusive: true }), '2e-4', 2e-4],
    [spec('number', { min: 0, max: 1, exclusive: true }), 0.5, 0.5],
    [spec('boolean'), 'true', true],
    [spec('boolean'), false, false],
    [spec('choice', { choices: ['nf4', 'fp4'] }), 'fp4', 'fp4'],
    [spec('list'), 'q_proj, v_proj', ['q_proj', 'v_proj']],
    [spec('list'), ['q_proj', 'v_proj'], ['q_proj', 'v_proj']],
    [spec('path'), 'data/train.jsonl', '/base/data/train.jsonl'],
    [spec('path'), '/abs/x.jsonl', '/abs/x.jsonl'],
    [spec('string'), 42, '42'],
    [spec('object'), { a: 1 }, { a: 1 }],
    [spec('pairs'), 'name=Ada, author = Lovelace Lab', { name: 'Ada', author: 'Lovelace Lab' }],
    [spec('pairs'), { name: 'Ada', year: 1815 }, { name: 'Ada', year: '1815' }],
  ])('%#: %j', (s, raw, expected) => {
    expect(ok(s, raw)).toEqual(expected);
  });

  test.each<[OptionSpec, unknown, string]>([
    [spec('int', { min: 1 }), 'abc', '--k: expected an integer >= 1, got "abc"'],
    [spec('int', { min: 1 }), '1.5', '--k: expected an integer >= 1, got "1.5"'],
    [spec('int', { min: 1 }), 0, '--k: expected an integer >= 1, got number 0'],
    [spec('number', { min: 0, exclusive: true }), '0', '--k: expected a number > 0, got "0"'],
    [
      spec('number', { min: 0, max: 1, exclusive: true }),
      1,
      '--k: expected a number in (0, 1), got number 1',
    ],
    [spec('number'), '', '--k: expected a number, got ""'],
    [spec('boolean'), 'yes', '--k: expected true or false, got "yes"'],
    [spec('choice', { choices: ['nf4', 'fp4'] }), 'int8', '--k: expected one of nf4, fp4, got "int8"'],
    [spec('list'), 'a,,b', '--k: expected a list or a comma-separated string, got "a,,b"'],
    [spec('object'), 'x', '--k: expected a mapping, got "x"'],
    [spec('pairs'), 'name', '--k: expected name=value pairs'],
    [spec('pairs'), 'name=a=b', '--k: expected name=value pairs'],
    [spec('pairs'), '1x=a', '--k: expected name=value pairs'],
    [spec('pairs'), 'a=1,,b=2', '--k: expected name=value pairs'],
    [spec('pairs'), { name: ['a'] }, '--k: expected name=value pairs'],
    [spec('path'), '', '--k: expected a string, got ""'],
  ])('%#: %j is refused', (s, raw, message) => {
    expect(() => ok(s, raw)).toThrow(message);
  });

  // YAML null, ~ and an empty value all parse to null: never "unset", always refused, named as null
  test.each([
    [
      spec('int', { min: 1, max: 10, default: 4 }),
      '--k: expected an integer in [1, 10], got null (leave it out for the default 4)',
    ],
    [spec('number', { min: 0, max: 1, exclusive: true }), '--k: expected a number in (0, 1), got null'],
    [spec('boolean'), '--k: expected true or false, got null'],
    [
      spec('choice', { choices: ['nf4', 'fp4'], default: 'nf4' }),
      '--k: expected one of nf4, fp4, got null (leave it out for the default nf4)',
    ],
    [
      spec('list', { default: ['all-linear'] }),
      '--k: expected a list or a comma-separated string, got null (leave it out for the default all-linear)',
    ],
    [spec('path'), '--k: expected a string, got null'],
    [spec('string'), '--k: expected a string, got null'],
    [spec('object'), '--k: expected a mapping, got null'],
  ])('%#: null is refused', (s, message) => {
    expect(() => ok(s, null)).toThrow(message);
  });

  // non-finite values by name (JSON would print null), absurd magnitudes against the allowed range
  const rate = spec('number', { min: 0, max: 1, exclusive: true });
  const steps = spec('int', { min: 1, max: 10_000_000 });
  test.each([
    [rate, Number.NaN, '--k: expected a number in (0, 1), got NaN'],
    [rate, 'NaN', '--k: expected a number in (0, 1), got NaN'],
    [rate, Number.POSITIVE_INFINITY, '--k: expected a number in (0, 1), got Infinity'],
    [rate, '-Infinity', '--k: expected a number in (0, 1), got -Infinity'],
    [steps, 1e300, '--k: expected an integer in [1, 10000000], got number 1e+300'],
    [steps, '1e300', '--k: expected an integer in [1, 10000000], got "1e300"'],
    [steps, 10_000_001, '--k: expected an integer in [1, 10000000], got number 10000001'],
    [
      spec('int', { min: 32, max: 4096, rule: POWER_OF_TWO }),
      '48',
      '--k: expected a power of two in [32, 4096], got "48"',
    ],
    [
      spec('number', { min: 0, max: 100, exclusive: true, rule: COUNT_OR_FRACTION }),
      1.5,
      '--k: expected a fraction in (0, 1) or a count (an integer in (0, 100)), got number 1.5',
    ],
  ])('%#: %j is refused with the range', (s, raw, message) => {
    expect(() => ok(s, raw)).toThrow(message);
  });

  test.each([
    [spec('int', { min: 32, max: 4096, rule: POWER_OF_TWO }), '64', 64],
    [spec('number', { min: 0, max: 100, exclusive: true, rule: COUNT_OR_FRACTION }), '0.25', 0.25],
    [spec('number', { min: 0, max: 100, exclusive: true, rule: COUNT_OR_FRACTION }), 30, 30],
  ])('%#: %j meets its rule', (s, raw, expected) => {
    expect(ok(s, raw)).toBe(expected);
  });
});

describe('Options', () => {
  const specs: OptionSpec[] = [
    { key: 'lora_r', type: 'int', description: '', min: 1, default: 8 },
    { key: 'lr', type: 'number', description: '', min: 0, exclusive: true },
  ];

  test('defaults, then flags; given() tells the user set it', () => {
    const o = new Options('train', specs);
    expect(o.get('lora_r')).toBe(8);
    expect(o.given('lora_r')).toBe(false);
    o.apply('lora_r', '16', 'flag', '/');
    expect(o.get('lora_r')).toBe(16);
    expect(o.given('lora_r')).toBe(true);
    expect(o.source('lr')).toBeUndefined();
  });

  test('a config key set to null is refused with its file and line, not silently unset to no value', () => {
    const config: ConfigFile = {
      path: '/x/train.yml',
      dir: '/x',
      entries: new Map([['lora_r', { value: null, line: 3 }]]),
    };
    const o = new Options('train', specs, config);
    let error: unknown;
    try {
      o.apply('lora_r', null, 'config', '/x');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'train.yml line 3: lora_r: expected an integer >= 1, got null (leave it out for the default 8)',
    );
    expect(o.get('lora_r')).toBe(8);
  });

  test('require names the flag and the config key', () => {
    expect(() => new Options('train', specs).require('lr')).toThrow(
      'lora train: expected --lr (or "lr:" in --config), got none',
    );
  });

  test('withOverrides copies and replaces (a sweep trial)', () => {
    const o = new Options('sweep', specs);
    const trial = o.withOverrides({ lr: 1e-3 });
    expect(trial.get('lr')).toBe(1e-3);
    expect(o.get('lr')).toBeUndefined();
  });

  test.each([
    ['lora_r', '--lora-r', 'loraR'],
    ['max_grad_norm', '--max-grad-norm', 'maxGradNorm'],
    ['lr', '--lr', 'lr'],
  ])('%s ↔ %s ↔ %s', (key, flag, attribute) => {
    expect(flagOf(key)).toBe(flag);
    expect(attributeOf(key)).toBe(attribute);
  });
});
