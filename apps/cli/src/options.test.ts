import { describe, expect, test } from 'vitest';
import type { OptionSpec } from './option-spec.js';
import { attributeOf, flagOf } from './option-spec.js';
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
  ])('%#: %j', (s, raw, expected) => {
    expect(ok(s, raw)).toEqual(expected);
  });

  test.each([
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
    [spec('path'), '', '--k: expected a string, got ""'],
  ])('%#: %j is refused', (s, raw, message) => {
    expect(() => ok(s, raw)).toThrow(message);
  });
});

describe('Options', () => {
  const specs: OptionSpec[] = [
    { key: 'lora_r', type: 'int', description: '', min: 1, default: 8 },
    { key: 'lr', type: 'number', description: '', min: 0, exclusive: true },
  ];

  test('defaults, then flags; given() tells the user set it', () => {
    const o = new Options('train', specs);
    expect(o.number('lora_r')).toBe(8);
    expect(o.given('lora_r')).toBe(false);
    o.apply('lora_r', '16', 'flag', '/');
    expect(o.number('lora_r')).toBe(16);
    expect(o.given('lora_r')).toBe(true);
    expect(o.source('lr')).toBeUndefined();
  });

  test('require names the flag and the config key', () => {
    expect(() => new Options('train', specs).require('lr')).toThrow(
      'lora train: expected --lr (or "lr:" in --config), got none',
    );
  });

  test('withOverrides copies and replaces (a sweep trial)', () => {
    const o = new Options('sweep', specs);
    const trial = o.withOverrides({ lr: 1e-3 });
    expect(trial.number('lr')).toBe(1e-3);
    expect(o.number('lr')).toBeUndefined();
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
