// One config for every verb: a verb takes its own keys (under any name) and sets aside other verbs' keys; a key no
// verb has is refused with a did-you-mean that knows the aliases; two names for one option are refused naming both,
// unless a flag decides; notes for values that mean less than their name.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError } from './errors.js';
import { OPTIMIZERS, sftOptimizer } from './optimizer-names.js';
import { resolveOptions } from './resolve-options.js';
import { tempDir } from './test-support/temp-dir.js';
import { VERBS } from './verbs.js';

const dir = tempDir('lora-resolve-');
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return name;
};
const verb = (name: string) => VERBS.find((v) => v.name === name)!;
const resolve = (name: string, config: string | undefined, flags: [string, unknown][] = []) =>
  resolveOptions(verb(name), VERBS, config, flags, dir);

const TRAIN_YML = write(
  'train.yml',
  [
    'model: model',
    'data: data/train.jsonl',
    'eval_split: 0.1',
    'output: runs/x',
    'learning_rate: 1.0e-4',
    'lora_r: 16',
    'target_modules: [q_proj, v_proj]',
    'micro_batch_size: 2',
    'max_length: 256',
    'chat_template: zephyr',
    'quant: none',
    'temperature: 0',
    'max_new_tokens: 7',
    '',
  ].join('\n'),
);

describe('one config for every verb', () => {
  test('chat takes its keys from a train config and sets aside the rest', () => {
    const { options, ignored } = resolve('chat', TRAIN_YML);
    expect(options.get('model')).toBe(join(dir, 'model'));
    expect(options.get('chat_template')).toBe('zephyr');
    expect(options.get('quant')).toBe('none');
    expect(options.get('temperature')).toBe(0);
    expect(options.get('max_new_tokens')).toBe(7);
    expect(ignored).toEqual([
      'data',
      'eval_split',
      'output',
      'learning_rate',
      'lora_r',
      'target_modules',
      'micro_batch_size',
      'max_length',
    ]);
  });

  test.each(['train', 'eval', 'generate', 'merge', 'quantize', 'prepare', 'sweep'])(
    '%s reads the train config without refusing a key',
    (name) => {
      expect(() => resolve(name, TRAIN_YML)).not.toThrow();
    },
  );

  test('train takes everything, aliases included', () => {
    const { options, ignored } = resolve('train', TRAIN_YML);
    expect(ignored).toEqual(['temperature']);
    expect(options.get('lr')).toBe(1e-4);
    expect(options.get('batch_size')).toBe(2);
  });

  test.each([
    [
      'typo.yml',
      'model: m\nlearning_rat: 1.0e-4\n',
      'chat',
      /typo\.yml line 2: unknown key "learning_rat" for lora chat \(did you mean "learning_rate"\?\)/,
    ],
    [
      'typo2.yml',
      'num_train_epoch: 2\n',
      'train',
      /line 1: unknown key "num_train_epoch" for lora train \(did you mean "num_train_epochs"\?\)/,
    ],
    [
      'typo3.yml',
      'sequence_length: 512\n',
      'train',
      /unknown key "sequence_length" for lora train \(did you mean "sequence_len"\?\)/,
    ],
    [
      'typo4.yml',
      'temprature: 0\n',
      'train',
      /unknown key "temprature" for lora train \(did you mean "temperature"\?\)/,
    ],
  ])('%s: a key no verb has is refused with a did-you-mean over every name', (name, text, v, message) => {
    expect(() => resolve(v, write(name, text))).toThrow(message);
  });
});

describe('two names for one option', () => {
  test.each([
    [
      'both.yml',
      'lr: 1.0e-4\nlearning_rate: 2.0e-4\n',
      'train',
      'both.yml line 2: learning_rate: expected one value for lr, got two (lr on line 1 says 0.0001, this says 0.0002); keep one, or give --lr',
    ],
    [
      'two-aliases.yml',
      'per_device_train_batch_size: 2\nmodel: m\nmicro_batch_size: 4\n',
      'train',
      'two-aliases.yml line 3: micro_batch_size: expected one value for batch_size, got two (per_device_train_batch_size on line 1 says 2, this says 4); keep one, or give --batch-size',
    ],
    [
      'quant.yml',
      'load_in_4bit: true\nbnb_4bit_quant_type: fp4\n',
      'train',
      'quant.yml line 2: bnb_4bit_quant_type: expected one value for quant, got two (load_in_4bit on line 1 says "nf4", this says "fp4"); keep one, or give --quant',
    ],
    [
      'eval-data.yml',
      'data: d/train.jsonl\neval_data: d/eval.jsonl\n',
      'eval',
      expect.stringMatching(
        /^eval-data\.yml line 2: eval_data: expected one value for data, got two \(data on line 1 says ".*d\/train\.jsonl", this says ".*d\/eval\.jsonl"\); keep one, or give --data$/,
      ),
    ],
  ])('%s is refused naming both', (name, text, v, message) => {
    const file = write(name, text);
    let error: unknown;
    try {
      resolve(v, file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toEqual(message);
  });

  test('two names that agree are one value said twice (a TRL QLoRA recipe: load_in_4bit and bnb_4bit_quant_type nf4)', () => {
    const file = write(
      'agree.yml',
      'load_in_4bit: true\nbnb_4bit_quant_type: nf4\nlr: 2.0e-4\nlearning_rate: 0.0002\n',
    );
    const options = resolve('train', file).options;
    expect([options.get('quant'), options.get('lr')]).toEqual(['nf4', 2e-4]);
  });

  test('a flag for the option decides between them', () => {
    const file = write('decided.yml', 'data: d/train.jsonl\neval_data: d/eval.jsonl\n');
    const { options } = resolve('eval', file, [['data', 'held.jsonl']]);
    expect(options.get('data')).toBe(join(dir, 'held.jsonl'));
    expect(options.label('data')).toBe('--data');
  });

  test('train keeps eval_data as its own option: no conflict there', () => {
    const file = write('train-eval.yml', 'data: d/train.jsonl\neval_data: d/eval.jsonl\n');
    const { options } = resolve('train', file);
    expect(options.get('eval_data')).toBe(join(dir, 'd/eval.jsonl'));
  });

  test('a flag alias over a config key is the usual precedence, labelled as given', () => {
    const { options } = resolve('train', TRAIN_YML, [['learning_rate', '3e-4']]);
    expect(options.get('lr')).toBe(3e-4);
    expect(options.label('lr')).toBe('--learning-rate');
  });
});

describe('--optim', () => {
  test.each(OPTIMIZERS)('%s is accepted', (name) => {
    expect(resolve('train', undefined, [['optim', name]]).options.get('optim')).toBe(name);
  });

  test.each<[(typeof OPTIMIZERS)[number], string]>([
    ['adamw_torch', 'adamw_torch'],
    ['adamw_torch_fused', 'adamw_torch'],
    ['adamw_hf', 'adamw_torch'],
    ['paged_adamw_32bit', 'adamw_torch'],
    ['adamw_8bit', 'adamw_8bit'],
    ['adamw_bnb_8bit', 'adamw_8bit'],
    ['paged_adamw_8bit', 'adamw_8bit'],
    ['sgd', 'sgd'],
  ])('%s runs @lora/sft optim %s', (name, runs) => {
    expect(sftOptimizer(name)).toBe(runs);
  });

  test('the default is adamw_torch, recorded like any setting', () => {
    expect(resolve('train', undefined).options.toRecord().optim).toBe('adamw_torch');
  });

  test('axolotl optimizer: is the same option', () => {
    const file = write('optimizer.yml', 'optimizer: adamw_torch_fused\n');
    expect(resolve('train', file).options.get('optim')).toBe('adamw_torch_fused');
  });

  test('adafactor is refused with why and what runs', () => {
    expect(() => resolve('train', undefined, [['optim', 'adafactor']])).toThrow(
      `--optim: expected one of adamw_torch, adamw_torch_fused, adamw_hf, paged_adamw_32bit, adamw_8bit, adamw_bnb_8bit, paged_adamw_8bit, sgd, got "adafactor": Adafactor's factored second moments have no kernel in this build`,
    );
  });

  test('an unknown name lists the ones that run', () => {
    expect(() => resolve('train', undefined, [['optim', 'lion_32bit']])).toThrow(
      '--optim: expected one of adamw_torch, adamw_torch_fused, adamw_hf, paged_adamw_32bit, adamw_8bit, adamw_bnb_8bit, paged_adamw_8bit, sgd, got "lion_32bit"',
    );
  });

  test.each([
    ['paged_adamw_32bit', /^--optim: runs plain AdamW: paging moves optimizer state to CPU RAM/],
    ['paged_adamw_8bit', /^--optim: runs adamw_8bit: paging moves optimizer state to CPU RAM/],
    ['adamw_hf', /^--optim: runs torch's AdamW: transformers' own AdamW/],
  ])('%s is noted', (name, note) => {
    const notes = resolve('train', undefined, [['optim', name]]).options.notes();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(note);
  });

  test.each(['adamw_torch_fused', 'adamw_8bit', 'adamw_bnb_8bit', 'sgd'])('%s has no note', (name) => {
    expect(resolve('train', undefined, [['optim', name]]).options.notes()).toEqual([]);
  });
});

describe('precision flags', () => {
  test.each(['bf16', 'fp16', 'tf32'])(
    '--%s is accepted with one note that the build computes in float32',
    (name) => {
      const { options } = resolve('train', undefined, [[name, true]]);
      expect(options.get(name)).toBe(true);
      expect(options.notes()).toHaveLength(1);
      expect(options.notes()[0]).toMatch(
        new RegExp(
          `^--${name}: .* is not implemented: this build computes in float32 .*so the run's numbers are float32's and it saves no memory$`,
        ),
      );
    },
  );

  test('bf16: true in a config is noted with its line; false needs no note', () => {
    const on = resolve('train', write('bf16.yml', 'model: m\nbf16: true\n')).options.notes();
    expect(on).toHaveLength(1);
    expect(on[0]).toMatch(/^bf16\.yml line 2: bf16: bfloat16 mixed precision is not implemented/);
    expect(resolve('train', write('bf16-off.yml', 'bf16: false\n')).options.notes()).toEqual([]);
  });

  test('a flag overriding the config leaves one note', () => {
    const file = write('bf16-both.yml', 'bf16: true\n');
    expect(resolve('train', file, [['bf16', true]]).options.notes()).toEqual([
      expect.stringMatching(/^--bf16: /),
    ]);
  });
});

describe("axolotl's adapter: lora | qlora is the kind of adapter, never a folder", () => {
  const AXOLOTL = write(
    'axolotl.yml',
    ['base_model: model', 'adapter: qlora', 'lora_model_dir: runs/qlora-out', 'temperature: 0', ''].join(
      '\n',
    ),
  );

  test.each(['chat', 'eval', 'generate'])(
    '%s: the folder is lora_model_dir, and qlora loads the base in NF4',
    (name) => {
      const { options } = resolve(name, AXOLOTL);
      expect(options.get('adapter')).toBe(join(dir, 'runs', 'qlora-out'));
      expect(options.get('quant')).toBe('nf4');
      expect(options.source('quant')).toBe('config');
      expect(options.label('quant')).toBe('axolotl.yml line 2: adapter');
    },
  );

  test('adapter: lora alone names no folder and implies no quantization', () => {
    const { options } = resolve('chat', write('lora.yml', 'base_model: model\nadapter: lora\n'));
    expect(options.get('adapter')).toBeUndefined();
    expect(options.get('quant')).toBe('auto');
    expect(options.given('adapter')).toBe(false);
  });

  test('load_in_4bit and --quant decide over the mode', () => {
    const dense = resolve('chat', write('dense.yml', 'adapter: qlora\nload_in_4bit: false\n'));
    expect(dense.options.get('quant')).toBe('none');
    const flagged = resolve('chat', AXOLOTL, [['quant', 'fp4']]);
    expect(flagged.options.get('quant')).toBe('fp4');
  });

  test('train reads adapter: qlora as NF4; merge (no quantization option) just takes lora_model_dir', () => {
    expect(
      resolve('train', write('train-qlora.yml', 'adapter: qlora\nquant: none\n')).options.get('quant'),
    ).toBe('none');
    expect(resolve('train', write('train-q.yml', 'adapter: qlora\n')).options.source('quant')).toBe('config');
    expect(resolve('merge', AXOLOTL).options.get('adapter')).toBe(join(dir, 'runs', 'qlora-out'));
  });

  test('any other adapter: value is still a folder', () => {
    const { options } = resolve('chat', write('path.yml', 'adapter: runs/lora\n'));
    expect(options.get('adapter')).toBe(join(dir, 'runs', 'lora'));
  });
});
