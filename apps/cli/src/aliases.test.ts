// Every alias against its option: for each verb, the alias as a flag (unless config-only) and as a config key gives
// the same typed value as the option's own flag; aliases whose values mean something else convert exactly as
// declared, and refuse what has no equivalent.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { addFlags, givenFlags } from './command-flags.js';
import { hasFlag, optionNames } from './option-names.js';
import { flagOf, type OptionSpec } from './option-spec.js';
import type { Options } from './options.js';
import { resolveOptions } from './resolve-options.js';
import { tempDir } from './test-support/temp-dir.js';
import { VERBS } from './verbs.js';

const dir = tempDir('lora-aliases-');
let files = 0;

/** The options `verb` resolves from flags and (optionally) a config file's text. */
function parse(verb: string, argv: string[], yaml?: string): Options {
  const definition = VERBS.find((v) => v.name === verb)!;
  const command = new Command(verb).exitOverride();
  addFlags(command, definition.options);
  command.parse(argv, { from: 'user' });
  let config: string | undefined;
  if (yaml !== undefined) {
    config = join(dir, `c${files++}.yml`);
    writeFileSync(config, yaml);
  }
  return resolveOptions(definition, VERBS, config, givenFlags(command, definition.options), dir).options;
}

/** A valid value of the option that is not its default, as a flag string. */
function sample(spec: OptionSpec): string {
  switch (spec.type) {
    case 'int':
      return String(Math.min(spec.max!, spec.min! + 2));
    case 'number':
      return spec.max! <= 1 ? '0.5' : '2';
    case 'choice':
      return spec.choices!.find((c) => c !== spec.default)!;
    case 'list':
      return 'q_proj,v_proj';
    case 'path':
      return 'some/folder';
    default:
      return 'x';
  }
}

const plain = VERBS.flatMap((verb) =>
  [...optionNames(verb.options)]
    .filter(([, n]) => n.alias !== undefined && n.alias.convert === undefined)
    .map(([name, n]) => ({ verb: verb.name, name, spec: n.spec, flag: hasFlag(n) })),
);

describe('aliases that mean what their option means', () => {
  test('there are aliases in every verb that takes a model', () => {
    const verbs = new Set(plain.map((a) => a.verb));
    expect([...verbs].sort()).toEqual([
      'chat',
      'eval',
      'generate',
      'merge',
      'plan',
      'prepare',
      'quantize',
      'sweep',
      'train',
    ]);
  });

  test.each(plain)('$verb: $name is $spec.key', ({ verb, name, spec, flag }) => {
    if (spec.type === 'boolean') {
      // the flag sets true (as the option's own flag does); false is a config value (or the option's --no- flag)
      expect(parse(verb, [], `${name}: true\n`).get(spec.key)).toBe(true);
      expect(parse(verb, [], `${name}: false\n`).get(spec.key)).toBe(false);
      if (flag) expect(parse(verb, [flagOf(name)]).get(spec.key)).toBe(true);
      return;
    }
    const value = sample(spec);
    const expected = parse(verb, [flagOf(spec.key), value]).get(spec.key);
    expect(expected).not.toEqual(spec.default);
    if (flag) expect(parse(verb, [flagOf(name), value]).get(spec.key)).toEqual(expected);
    const fromConfig = parse(verb, [], `${name}: ${value}\n`);
    expect(fromConfig.get(spec.key)).toEqual(expected);
    expect(fromConfig.label(spec.key)).toMatch(new RegExp(`^c\\d+\\.yml line 1: ${name}$`));
  });

  test('a config-only alias has no flag', () => {
    expect(() => parse('train', ['--r', '4'])).toThrow(/unknown option '--r'/);
  });
});

const converted: { verb: string; name: string; flag?: string[]; yaml: string; same: string[] | string }[] = [
  { verb: 'train', name: 'load_in_4bit', flag: ['--load-in-4bit'], yaml: 'true', same: ['--quant', 'nf4'] },
  { verb: 'train', name: 'load_in_4bit', yaml: 'false', same: ['--quant', 'none'] },
  { verb: 'chat', name: 'load_in_4bit', flag: ['--load-in-4bit'], yaml: 'true', same: ['--quant', 'nf4'] },
  {
    verb: 'train',
    name: 'bnb_4bit_quant_type',
    flag: ['--bnb-4bit-quant-type', 'fp4'],
    yaml: 'fp4',
    same: ['--quant', 'fp4'],
  },
  {
    verb: 'eval',
    name: 'bnb_4bit_quant_type',
    flag: ['--bnb-4bit-quant-type', 'fp4'],
    yaml: 'fp4',
    same: ['--quant', 'fp4'],
  },
  {
    verb: 'train',
    name: 'lora_target_linear',
    flag: ['--lora-target-linear'],
    yaml: 'true',
    same: ['--target-modules', 'all-linear'],
  },
  {
    verb: 'train',
    name: 'train_on_inputs',
    flag: ['--train-on-inputs'],
    yaml: 'true',
    same: ['--no-completion-only'],
  },
  { verb: 'eval', name: 'train_on_inputs', yaml: 'false', same: ['--completion-only'] },
  {
    verb: 'train',
    name: 'dataset_text_field',
    flag: ['--dataset-text-field', 'content'],
    yaml: 'content',
    same: 'field_map: { text: content }\n',
  },
  { verb: 'train', name: 'datasets', yaml: '[{ path: d/train.jsonl }]', same: ['--data', 'd/train.jsonl'] },
  { verb: 'prepare', name: 'datasets', yaml: '\n  - path: a.json', same: ['--data', 'a.json'] },
  {
    verb: 'train',
    name: 'test_datasets',
    yaml: '[{ path: d/eval.jsonl }]',
    same: ['--eval-data', 'd/eval.jsonl'],
  },
  { verb: 'eval', name: 'test_datasets', yaml: '[{ path: d/eval.jsonl }]', same: ['--data', 'd/eval.jsonl'] },
  {
    verb: 'train',
    name: 'resume_from_checkpoint',
    flag: ['--resume-from-checkpoint', 'true'],
    yaml: 'true',
    same: ['--resume'],
  },
];

describe('aliases whose values mean something else convert as declared', () => {
  test('every converting alias is in the table', () => {
    const declared = VERBS.flatMap((verb) =>
      [...optionNames(verb.options)].filter(([, n]) => n.alias?.convert).map(([name]) => name),
    );
    expect(new Set(converted.map((c) => c.name))).toEqual(new Set(declared));
  });

  test.each(converted)('$verb: $name $yaml', ({ verb, name, flag, yaml, same }) => {
    const canonical = typeof same === 'string' ? parse(verb, [], same) : parse(verb, same);
    const key = optionNames(VERBS.find((v) => v.name === verb)!.options).get(name)!.spec.key;
    const expected = canonical.get(key);
    expect(parse(verb, [], `${name}: ${yaml}\n`).get(key)).toEqual(expected);
    if (flag) expect(parse(verb, flag).get(key)).toEqual(expected);
  });

  test.each([
    [
      'lora_target_linear: false',
      /lora_target_linear: expected true \(all linear layers\); to pick layers name them with target_modules, got boolean false/,
    ],
    ['load_in_4bit: yes', /load_in_4bit: expected true or false, got "yes"/],
    ['bnb_4bit_quant_type: none', /bnb_4bit_quant_type: expected nf4 or fp4, got "none"/],
    ['dataset_text_field: [a]', /dataset_text_field: expected a column name, got a list of 1/],
    [
      'datasets:\n  - path: a.json\n  - path: b.json',
      /line 1: datasets: expected one entry "- path: FILE" \(merge several files with lora prepare\), got a list of 2 entries/,
    ],
    [
      'datasets:\n  - path: a.json\n    type: alpaca',
      /datasets: expected one entry "- path: FILE" with no other key \(the format goes in format:, columns in field_map:\), got an entry with keys path, type/,
    ],
    ['datasets: a.json', /datasets: expected a list of one entry "- path: FILE", got "a\.json"/],
    [
      'resume_from_checkpoint: out/checkpoint-40',
      /resume_from_checkpoint: expected true or false \(true continues from the latest checkpoint in output; a folder cannot be named\), got "out\/checkpoint-40"/,
    ],
  ])('%j is refused with what it expected', (yaml, message) => {
    expect(() => parse('train', [], `${yaml}\n`)).toThrow(message);
  });
});
