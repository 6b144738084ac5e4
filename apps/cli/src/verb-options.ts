// Each verb's options (from the shared groups of option-tables.ts plus its own) and the typed object a verb's
// handler reads them as (option-types.ts): `TrainOptions['lr']` is number, `EvalOptions['quant']` 'auto' | 'nf4' | …
import { singleDatasetPath } from './alias-conversions.js';
import { COUNT_OR_FRACTION, LIMITS, option, POWER_OF_TWO } from './option-spec.js';
import {
  ADAPTER_ALIASES,
  COMMON_OPTIONS,
  DATA_OPTIONS,
  DOUBLE_QUANT_ALIASES,
  GENERATION_OPTIONS,
  LORA_OPTIONS,
  MODEL_ALIASES,
  MODEL_OPTIONS,
  QUANT_ALIASES,
  QUANT_OPTIONS,
  TRAINER_OPTIONS,
} from './option-tables.js';
import { merge, type OptionValues, only, without } from './option-types.js';

/** Quantization when loading a base for inference: 'auto' = what the adapter was trained with. */
const INFERENCE_QUANT = [
  option(
    'quant',
    'choice',
    'load the base in 4 bits; auto = as the adapter was trained (its run_config.json), else none',
    { choices: ['auto', 'nf4', 'fp4', 'none'], default: 'auto', aliases: QUANT_ALIASES },
  ),
  option('double_quant', 'boolean', 'double quantization when --quant is nf4/fp4', {
    negatable: true,
    default: true,
    aliases: DOUBLE_QUANT_ALIASES,
  }),
];

export const TRAIN_OPTIONS = merge(
  COMMON_OPTIONS,
  MODEL_OPTIONS,
  TRAINER_OPTIONS,
  DATA_OPTIONS,
  QUANT_OPTIONS,
  LORA_OPTIONS,
);

/** lora plan: what train reads of the model (config.json) and the options its memory depends on. */
export const PLAN_OPTIONS = merge(
  COMMON_OPTIONS,
  [
    option('model', 'path', 'model folder or its config.json (no weights are read)', {
      arg: 'path',
      aliases: MODEL_ALIASES,
    }),
  ],
  only(DATA_OPTIONS, ['max_length']),
  only(TRAINER_OPTIONS, ['batch_size', 'gradient_checkpointing', 'max_memory']),
  only(LORA_OPTIONS, ['lora_r', 'lora_dropout']),
  QUANT_OPTIONS,
  only(LORA_OPTIONS, ['target_modules', 'modules_to_save']),
  [
    option(
      'max_memory',
      'string',
      'the memory the run may use, as train checks it: bytes, 20GiB, 1.5TB or 80% (of RAM); default 90% of RAM',
      { arg: 'size' },
    ),
    option('json', 'boolean', 'print one JSON object instead of the table'),
  ],
);

export const EVAL_OPTIONS = merge(COMMON_OPTIONS, MODEL_OPTIONS, INFERENCE_QUANT, DATA_OPTIONS, [
  option('adapter', 'path', 'PEFT adapter folder', { arg: 'dir', aliases: ADAPTER_ALIASES }),
  option('data', 'path', 'evaluation data: .jsonl, .json or .csv', {
    arg: 'file',
    // a config shared with train names its evaluation data eval_data (and data is the training data: with
    // both there, eval asks for --data instead of guessing)
    aliases: [{ key: 'eval_data' }, { key: 'test_datasets', convert: singleDatasetPath, configOnly: true }],
  }),
  option('batch_size', 'int', 'examples per forward pass', {
    min: 1,
    max: LIMITS.batch,
    default: 8,
    aliases: [{ key: 'per_device_eval_batch_size' }, { key: 'eval_batch_size' }],
  }),
  option('limit', 'int', 'evaluate the first N examples only', { min: 1, max: LIMITS.examples }),
  option('json', 'boolean', 'print one JSON object as the last line'),
  option('generate', 'boolean', 'generate answers and score them against --label-field'),
  option(
    'label_field',
    'string',
    'record field holding the expected answer (default: the last assistant turn)',
    {
      arg: 'field',
    },
  ),
  option('max_new_tokens', 'int', 'tokens generated per answer with --generate', {
    min: 1,
    max: LIMITS.tokens,
    default: 32,
  }),
  option(
    'compare',
    'boolean',
    'evaluate the base and the adapter side by side and write a before/after report',
  ),
  option('report', 'path', 'where --compare writes its markdown (default: <adapter>/compare.md)', {
    arg: 'file',
  }),
  option(
    'predictions',
    'path',
    'with --generate: write each example (prompt, expected, generated, correct) as a JSON line to this new file',
    { arg: 'file' },
  ),
]);

export const GENERATE_OPTIONS = merge(COMMON_OPTIONS, MODEL_OPTIONS, INFERENCE_QUANT, GENERATION_OPTIONS, [
  option('prompt', 'string', 'the user message', { arg: 'text' }),
  option('raw', 'boolean', 'send the prompt as is, without the chat template'),
]);

export const CHAT_OPTIONS = merge(COMMON_OPTIONS, MODEL_OPTIONS, INFERENCE_QUANT, GENERATION_OPTIONS);

export const MERGE_OPTIONS = merge(COMMON_OPTIONS, [
  option('model', 'path', 'base model folder', { arg: 'dir', aliases: MODEL_ALIASES }),
  option('adapter', 'path', 'PEFT adapter folder', { arg: 'dir', aliases: ADAPTER_ALIASES }),
  option('output', 'path', 'merged model folder', { arg: 'dir' }),
  option('overwrite', 'boolean', 'replace an earlier merged model in --output instead of refusing'),
  option('dtype', 'choice', 'dtype of the written weights', {
    choices: ['float32', 'bfloat16', 'float16'],
    default: 'float32',
  }),
  option(
    'merge_into',
    'choice',
    'dense: the original weights; dequantized: the 4-bit weights the adapter was trained against',
    { choices: ['dense', 'dequantized'], default: 'dense' },
  ),
]);

export const QUANTIZE_OPTIONS = merge(COMMON_OPTIONS, [
  option('model', 'path', 'model folder', { arg: 'dir', aliases: MODEL_ALIASES }),
  option('output', 'path', 'quantized model folder', { arg: 'dir' }),
  option('overwrite', 'boolean', 'replace an earlier quantized model in --output instead of refusing'),
  option('quant_type', 'choice', '4-bit data type', {
    choices: ['nf4', 'fp4'],
    default: 'nf4',
    aliases: [{ key: 'bnb_4bit_quant_type' }],
  }),
  option('double_quant', 'boolean', 'quantize the absmax constants again', {
    negatable: true,
    default: false,
    aliases: DOUBLE_QUANT_ALIASES,
  }),
  option('block_size', 'int', 'elements per absmax block', {
    min: 32,
    max: 4096,
    rule: POWER_OF_TWO,
    default: 64,
  }),
]);

export const PREPARE_OPTIONS = merge(
  COMMON_OPTIONS,
  without(DATA_OPTIONS, ['max_length', 'completion_only', 'response_template', 'instruction_template']),
  [
    option(
      'sources',
      'object',
      'list of { path, format?, field_map?, unnest?, message_template?, sample?, on_empty?, name? }',
      { configOnly: true },
    ),
    option('data', 'path', 'one source file (instead of sources:)', {
      arg: 'file',
      aliases: [{ key: 'datasets', convert: singleDatasetPath, configOnly: true }],
    }),
    option('sample', 'number', 'with --data: a count, or a fraction in (0, 1)', {
      min: 0,
      max: LIMITS.examples,
      exclusive: true,
      rule: COUNT_OR_FRACTION,
    }),
    option('output', 'path', 'folder for train.jsonl and eval.jsonl', { arg: 'dir' }),
    option('overwrite', 'boolean', 'replace a train.jsonl / eval.jsonl already in --output'),
    option('seed', 'int', 'shuffle seed', { min: 0, max: LIMITS.seed, default: 42 }),
    option('eval_ratio', 'number', 'fraction held out (n_eval = ceil(ratio * n))', {
      min: 0,
      max: 1,
      exclusive: true,
      aliases: [{ key: 'val_set_size' }],
    }),
    option('eval_size', 'int', 'examples held out', { min: 1, max: LIMITS.examples }),
    option(
      'template_vars',
      'pairs',
      "values for {{name}} placeholders in the data, e.g. LLaMA-Factory's identity.json: name=Ada,author=Lab (a source still holding an unfilled one is refused)",
      { arg: 'name=value,…' },
    ),
  ],
);

export const SWEEP_OPTIONS = merge(TRAIN_OPTIONS, [
  option(
    'sweep',
    'object',
    'the search: { method: grid|random, trials?, seed?, parameters: { key: [values] } }',
    {
      configOnly: true,
    },
  ),
]);

export type TrainOptions = OptionValues<(typeof TRAIN_OPTIONS)[number]>;
export type PlanOptions = OptionValues<(typeof PLAN_OPTIONS)[number]>;
export type EvalOptions = OptionValues<(typeof EVAL_OPTIONS)[number]>;
export type GenerateOptions = OptionValues<(typeof GENERATE_OPTIONS)[number]>;
export type ChatOptions = OptionValues<(typeof CHAT_OPTIONS)[number]>;
export type MergeOptions = OptionValues<(typeof MERGE_OPTIONS)[number]>;
export type QuantizeOptions = OptionValues<(typeof QUANTIZE_OPTIONS)[number]>;
export type PrepareOptions = OptionValues<(typeof PREPARE_OPTIONS)[number]>;
export type SweepOptions = OptionValues<(typeof SWEEP_OPTIONS)[number]>;

/** The data-source options train, eval and prepare share (@lora/datasets SourceOptions). */
export type DataSourceOptions = Pick<
  OptionValues<(typeof DATA_OPTIONS)[number]>,
  'format' | 'unnest' | 'on_empty' | 'field_map' | 'message_template'
>;
/** The sampling options chat and generate share. */
export type SamplingValues = OptionValues<(typeof GENERATION_OPTIONS)[number]>;
