// The verbs of `lora`, each with its options (from option-spec.ts), arguments, examples and a lazily loaded handler.
import { singleDatasetPath } from './alias-conversions.js';
import type { CliIo } from './io.js';
import {
  ADAPTER_ALIASES,
  COMMON_OPTIONS,
  COUNT_OR_FRACTION,
  DATA_OPTIONS,
  GENERATION_OPTIONS,
  LIMITS,
  DOUBLE_QUANT_ALIASES,
  LORA_OPTIONS,
  MODEL_ALIASES,
  MODEL_OPTIONS,
  type OptionSpec,
  POWER_OF_TWO,
  QUANT_ALIASES,
  QUANT_OPTIONS,
  TRAINER_OPTIONS,
} from './option-spec.js';
import type { Options } from './options.js';

export interface CommandContext {
  io: CliIo;
  options: Options;
  /** positional arguments (chat's prompt) */
  args: string[];
}

export type CommandHandler = (ctx: CommandContext) => Promise<number>;

export interface VerbDefinition {
  name: string;
  summary: string;
  options: OptionSpec[];
  args?: { name: string; description: string };
  examples: string[];
  load: () => Promise<CommandHandler>;
}

const spec = (
  key: string,
  type: OptionSpec['type'],
  description: string,
  extra: Partial<OptionSpec> = {},
): OptionSpec => ({
  key,
  type,
  description,
  ...extra,
});

/** Quantization when loading a base for inference: 'auto' = what the adapter was trained with. */
const INFERENCE_QUANT: OptionSpec[] = [
  spec(
    'quant',
    'choice',
    'load the base in 4 bits; auto = as the adapter was trained (its run_config.json), else none',
    {
      choices: ['auto', 'nf4', 'fp4', 'none'],
      default: 'auto',
      aliases: QUANT_ALIASES,
    },
  ),
  spec('double_quant', 'boolean', 'double quantization when --quant is nf4/fp4', {
    negatable: true,
    default: true,
    aliases: DOUBLE_QUANT_ALIASES,
  }),
];

/** Later entries replace earlier ones with the same key. */
function merge(...groups: OptionSpec[][]): OptionSpec[] {
  const byKey = new Map<string, OptionSpec>();
  for (const group of groups) for (const s of group) byKey.set(s.key, s);
  return [...byKey.values()];
}

export const TRAIN_OPTIONS = merge(
  COMMON_OPTIONS,
  MODEL_OPTIONS,
  TRAINER_OPTIONS,
  DATA_OPTIONS,
  QUANT_OPTIONS,
  LORA_OPTIONS,
);

/** lora plan: what train reads of the model (config.json) and the options its memory depends on. */
const PLAN_KEYS = [
  'max_length',
  'batch_size',
  'gradient_checkpointing',
  'max_memory',
  'lora_r',
  'lora_dropout',
];
export const PLAN_OPTIONS = merge(
  COMMON_OPTIONS,
  [
    spec('model', 'path', 'model folder or its config.json (no weights are read)', {
      arg: 'path',
      aliases: MODEL_ALIASES,
    }),
  ],
  [...DATA_OPTIONS, ...TRAINER_OPTIONS, ...LORA_OPTIONS].filter((s) => PLAN_KEYS.includes(s.key)),
  QUANT_OPTIONS,
  LORA_OPTIONS.filter((s) => s.key === 'target_modules' || s.key === 'modules_to_save'),
  [
    spec(
      'max_memory',
      'string',
      'the memory the run may use, as train checks it: bytes, 20GiB, 1.5TB or 80% (of RAM); default 90% of RAM',
      { arg: 'size' },
    ),
    spec('json', 'boolean', 'print one JSON object instead of the table'),
  ],
);

const SWEEP_SPEC = spec(
  'sweep',
  'object',
  'the search: { method: grid|random, trials?, seed?, parameters: { key: [values] } }',
  {
    configOnly: true,
  },
);

export const VERBS: VerbDefinition[] = [
  {
    name: 'train',
    summary: 'QLoRA/LoRA fine-tune; with no --model/--data, the embedded default task',
    options: TRAIN_OPTIONS,
    examples: [
      'lora train',
      'lora train --config examples/qwen2.5-1.5b-qlora-chatml.yml',
      'lora train --model models/Qwen2.5-0.5B-Instruct --data data.jsonl --eval-split 0.1 --lora-r 16 --max-steps 200',
    ],
    load: async () => (await import('./commands/train.js')).trainCommand,
  },
  {
    name: 'plan',
    summary: 'the memory a training run needs, by part, from config.json alone; exit 1 when it does not fit',
    options: PLAN_OPTIONS,
    examples: [
      'lora plan --model models/Qwen2.5-1.5B-Instruct --lora-r 16 --batch-size 1 --max-length 512',
      'lora plan --config train.yml',
      'lora plan --model config.json --json',
    ],
    load: async () => (await import('./commands/plan.js')).planCommand,
  },
  {
    name: 'eval',
    summary: 'loss, perplexity and (with --generate) accuracy of a model with or without an adapter',
    options: merge(COMMON_OPTIONS, MODEL_OPTIONS, INFERENCE_QUANT, DATA_OPTIONS, [
      spec('adapter', 'path', 'PEFT adapter folder', { arg: 'dir', aliases: ADAPTER_ALIASES }),
      spec('data', 'path', 'evaluation data: .jsonl, .json or .csv', {
        arg: 'file',
        // a config shared with train names its evaluation data eval_data (and data is the training data: with
        // both there, eval asks for --data instead of guessing)
        aliases: [
          { key: 'eval_data' },
          { key: 'test_datasets', convert: singleDatasetPath, configOnly: true },
        ],
      }),
      spec('batch_size', 'int', 'examples per forward pass', {
        min: 1,
        max: LIMITS.batch,
        default: 8,
        aliases: [{ key: 'per_device_eval_batch_size' }, { key: 'eval_batch_size' }],
      }),
      spec('limit', 'int', 'evaluate the first N examples only', { min: 1, max: LIMITS.examples }),
      spec('json', 'boolean', 'print one JSON object as the last line'),
      spec('generate', 'boolean', 'generate answers and score them against --label-field'),
      spec(
        'label_field',
        'string',
        'record field holding the expected answer (default: the last assistant turn)',
        { arg: 'field' },
      ),
      spec('max_new_tokens', 'int', 'tokens generated per answer with --generate', {
        min: 1,
        max: LIMITS.tokens,
        default: 32,
      }),
      spec(
        'compare',
        'boolean',
        'evaluate the base and the adapter side by side and write a before/after report',
      ),
      spec('report', 'path', 'where --compare writes its markdown (default: <adapter>/compare.md)', {
        arg: 'file',
      }),
      spec(
        'predictions',
        'path',
        'with --generate: write each example (prompt, expected, generated, correct) as a JSON line to this new file',
        { arg: 'file' },
      ),
    ]),
    examples: [
      'lora eval --adapter runs/default/output --data runs/default/data/eval.jsonl',
      'lora eval --adapter runs/default/output --data runs/default/data/eval.jsonl --generate --compare',
    ],
    load: async () => (await import('./commands/eval.js')).evalCommand,
  },
  {
    name: 'generate',
    summary: 'complete one prompt (chat template applied), streaming the answer',
    options: merge(COMMON_OPTIONS, MODEL_OPTIONS, INFERENCE_QUANT, GENERATION_OPTIONS, [
      spec('prompt', 'string', 'the user message', { arg: 'text' }),
      spec('raw', 'boolean', 'send the prompt as is, without the chat template'),
    ]),
    examples: [
      'lora generate --prompt "Lily went to the park. She found a ball and saw a dog. Where was Lily?"',
      'lora generate --model gpt2 --raw --prompt "Once upon"',
    ],
    load: async () => (await import('./commands/generate.js')).generateCommand,
  },
  {
    name: 'chat',
    summary: 'talk to a model: an interactive session (/reset, /exit), or one prompt given as an argument',
    options: merge(COMMON_OPTIONS, MODEL_OPTIONS, INFERENCE_QUANT, GENERATION_OPTIONS),
    args: { name: '[prompt...]', description: 'answer this one message and exit' },
    examples: [
      'lora chat',
      'lora chat "Tom found a kite at the beach. Then he saw a duck. What did Tom see?"',
    ],
    load: async () => (await import('./commands/chat.js')).chatCommand,
  },
  {
    name: 'merge',
    summary: 'fold an adapter into its base and write a Hugging Face model folder',
    options: merge(COMMON_OPTIONS, [
      spec('model', 'path', 'base model folder', { arg: 'dir', aliases: MODEL_ALIASES }),
      spec('adapter', 'path', 'PEFT adapter folder', { arg: 'dir', aliases: ADAPTER_ALIASES }),
      spec('output', 'path', 'merged model folder', { arg: 'dir' }),
      spec('overwrite', 'boolean', 'replace an earlier merged model in --output instead of refusing'),
      spec('dtype', 'choice', 'dtype of the written weights', {
        choices: ['float32', 'bfloat16', 'float16'],
        default: 'float32',
      }),
      spec(
        'merge_into',
        'choice',
        'dense: the original weights; dequantized: the 4-bit weights the adapter was trained against',
        {
          choices: ['dense', 'dequantized'],
          default: 'dense',
        },
      ),
    ]),
    examples: ['lora merge --adapter runs/default/output --output runs/default/merged'],
    load: async () => (await import('./commands/merge.js')).mergeCommand,
  },
  {
    name: 'quantize',
    summary: 'write a bitsandbytes-format 4-bit checkpoint of a model',
    options: merge(COMMON_OPTIONS, [
      spec('model', 'path', 'model folder', { arg: 'dir', aliases: MODEL_ALIASES }),
      spec('output', 'path', 'quantized model folder', { arg: 'dir' }),
      spec('overwrite', 'boolean', 'replace an earlier quantized model in --output instead of refusing'),
      spec('quant_type', 'choice', '4-bit data type', {
        choices: ['nf4', 'fp4'],
        default: 'nf4',
        aliases: [{ key: 'bnb_4bit_quant_type' }],
      }),
      spec('double_quant', 'boolean', 'quantize the absmax constants again', {
        negatable: true,
        default: false,
        aliases: DOUBLE_QUANT_ALIASES,
      }),
      spec('block_size', 'int', 'elements per absmax block', {
        min: 32,
        max: 4096,
        rule: POWER_OF_TWO,
        default: 64,
      }),
    ]),
    examples: [
      'lora quantize --model models/TinyLlama-1.1B-Chat-v1.0 --output models/tinyllama-nf4 --double-quant',
    ],
    load: async () => (await import('./commands/quantize.js')).quantizeCommand,
  },
  {
    name: 'prepare',
    summary: 'merge, sample, shuffle and split dataset files into train.jsonl / eval.jsonl',
    options: merge(
      COMMON_OPTIONS,
      DATA_OPTIONS.filter(
        (s) => !['max_length', 'completion_only', 'response_template', 'instruction_template'].includes(s.key),
      ),
      [
        spec(
          'sources',
          'object',
          'list of { path, format?, field_map?, unnest?, message_template?, sample?, on_empty?, name? }',
          {
            configOnly: true,
          },
        ),
        spec('data', 'path', 'one source file (instead of sources:)', {
          arg: 'file',
          aliases: [{ key: 'datasets', convert: singleDatasetPath, configOnly: true }],
        }),
        spec('sample', 'number', 'with --data: a count, or a fraction in (0, 1)', {
          min: 0,
          max: LIMITS.examples,
          exclusive: true,
          rule: COUNT_OR_FRACTION,
        }),
        spec('output', 'path', 'folder for train.jsonl and eval.jsonl', { arg: 'dir' }),
        spec('overwrite', 'boolean', 'replace a train.jsonl / eval.jsonl already in --output'),
        spec('seed', 'int', 'shuffle seed', { min: 0, max: LIMITS.seed, default: 42 }),
        spec('eval_ratio', 'number', 'fraction held out (n_eval = ceil(ratio * n))', {
          min: 0,
          max: 1,
          exclusive: true,
          aliases: [{ key: 'val_set_size' }],
        }),
        spec('eval_size', 'int', 'examples held out', { min: 1, max: LIMITS.examples }),
      ],
    ),
    examples: [
      'lora prepare --config examples/qwen2.5-1.5b-qlora-data.yml',
      'lora prepare --data alpaca.json --output data --eval-ratio 0.1',
    ],
    load: async () => (await import('./commands/prepare.js')).prepareCommand,
  },
  {
    name: 'sweep',
    summary: 'one training run per point of a grid or random search; compare them',
    options: merge(TRAIN_OPTIONS, [SWEEP_SPEC]),
    examples: ['lora sweep --config examples/gpt2-domain-sweep.yml'],
    load: async () => (await import('./commands/sweep.js')).sweepCommand,
  },
];
