// The option model: every config key (snake_case) is a flag (its kebab-case), with one type, one validation and
// one default, so a YAML config and the command line can never disagree about what a value means.
import { BACKEND_CHOICES } from './backend.js';

export type OptionType =
  | 'string'
  /** a file or folder; resolved against the config file's folder (config) or the working folder (flag) */
  | 'path'
  | 'int'
  | 'number'
  | 'boolean'
  /** comma-separated on the command line, a YAML list or a comma-separated string in a config */
  | 'list'
  | 'choice'
  /** a YAML mapping or list; config only */
  | 'object';

export interface OptionSpec {
  /** the config key, snake_case; the flag is its kebab-case */
  key: string;
  type: OptionType;
  description: string;
  choices?: readonly string[];
  /** inclusive bounds unless `exclusive`; every int and number option has both (no absurd magnitudes) */
  min?: number;
  max?: number;
  exclusive?: boolean;
  /** a further condition on a number within [min, max], e.g. a power of two */
  rule?: NumberRule;
  default?: unknown;
  /** booleans: also accept --no-<flag> */
  negatable?: boolean;
  /** object values that have no flag */
  configOnly?: boolean;
  /** the placeholder in --help, e.g. <dir> */
  arg?: string;
}

/** A condition a number must meet beyond its range; `expected` words the whole condition, given the range. */
export interface NumberRule {
  expected: (range: string) => string;
  test: (n: number) => boolean;
}

export const POWER_OF_TWO: NumberRule = {
  expected: (range) => `a power of two ${range}`,
  test: (n) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0,
};

/** `sample`: a count of examples, or a fraction of them (the range bounds the count) */
export const COUNT_OR_FRACTION: NumberRule = {
  expected: (range) => `a fraction in (0, 1) or a count (an integer ${range})`,
  test: (n) => (Number.isInteger(n) && n >= 1) || (n > 0 && n < 1),
};

/** Upper bounds shared by several options: far above any real run, far below what would overflow or hang. */
export const LIMITS = {
  /** steps of any kind (max_steps, warmup, eval/save/logging intervals) */
  steps: 10_000_000,
  /** examples (max_samples, eval_size, limit) */
  examples: 1_000_000_000,
  /** tokens in one sequence (max_length, max_new_tokens) */
  tokens: 1_048_576,
  /** examples per micro-batch, micro-batches per step */
  batch: 65_536,
  /** seeds are 32-bit */
  seed: 2 ** 32 - 1,
} as const;

/** `lora_r` → `--lora-r` */
export function flagOf(key: string): string {
  return `--${key.replace(/_/g, '-')}`;
}

/** commander's attribute name for a flag: `lora_r` → `loraR` */
export function attributeOf(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const o = (
  key: string,
  type: OptionType,
  description: string,
  extra: Partial<OptionSpec> = {},
): OptionSpec => ({
  key,
  type,
  description,
  ...extra,
});

export const COMMON_OPTIONS: OptionSpec[] = [
  o('config', 'path', 'YAML file of options (keys are the snake_case of the flags); flags override it', {
    arg: 'file',
  }),
  o('debug', 'boolean', 'print the stack trace of an error'),
  o(
    'backend',
    'choice',
    'compute backend: auto picks the fastest available (a real GPU through webgpu, else wasm); LORA_BACKEND also sets it',
    { choices: ['auto', ...BACKEND_CHOICES], default: 'auto' },
  ),
];

export const MODEL_OPTIONS: OptionSpec[] = [
  o('model', 'path', 'base model folder (Hugging Face layout: config.json, *.safetensors, tokenizer.json)', {
    arg: 'dir',
  }),
  o(
    'chat_template',
    'string',
    "chat format: chatml, zephyr, llama2, llama3, gemma, alpaca, plain, or 'model' (the tokenizer's own template)",
    {
      arg: 'name',
    },
  ),
];

export const FORMATS = [
  'auto',
  'text',
  'instruction',
  'prompt-completion',
  'messages',
  'preference',
  'tokenized',
] as const;

export const DATA_OPTIONS: OptionSpec[] = [
  o('format', 'choice', 'dataset format (instruction = Alpaca instruction/input/output)', {
    choices: FORMATS,
    default: 'auto',
  }),
  o('unnest', 'string', 'expand this list field of each record into rows (e.g. CCTC "contents")', {
    arg: 'field',
  }),
  o('on_empty', 'choice', 'rows with an empty answer', {
    choices: ['error', 'skip', 'keep'],
    default: 'error',
  }),
  o('field_map', 'object', 'canonical field → column, e.g. { instruction: question, output: answer }', {
    configOnly: true,
  }),
  o(
    'message_template',
    'object',
    'messages built from columns: { system?, user: "…{col}…", assistant: "{col}" }',
    {
      configOnly: true,
    },
  ),
  o('max_length', 'int', 'longest example in tokens (longer ones are truncated and counted)', {
    min: 2,
    max: LIMITS.tokens,
    default: 1024,
  }),
  o(
    'completion_only',
    'boolean',
    'train on the answers only (assistant turns); --no-completion-only trains on all tokens',
    {
      negatable: true,
      default: true,
    },
  ),
];

export const QUANT_OPTIONS: OptionSpec[] = [
  o('quant', 'choice', 'load the base in 4 bits (QLoRA) or keep it dense', {
    choices: ['nf4', 'fp4', 'none'],
    default: 'nf4',
  }),
  o('double_quant', 'boolean', 'quantize the 4-bit absmax constants again (QLoRA double quantization)', {
    negatable: true,
    default: true,
  }),
];

export const LORA_OPTIONS: OptionSpec[] = [
  o('lora_r', 'int', 'LoRA rank', { min: 1, max: 4096, default: 8 }),
  o('lora_alpha', 'number', 'LoRA alpha (scale alpha/r, or alpha/sqrt(r) with --use-rslora)', {
    min: 0,
    max: 1_000_000,
    exclusive: true,
    default: 16,
  }),
  o('lora_dropout', 'number', 'dropout on the LoRA input', { min: 0, max: 1, default: 0.05 }),
  o('target_modules', 'list', 'linears to adapt: names (q_proj,v_proj) or all-linear', {
    default: ['all-linear'],
    arg: 'a,b',
  }),
  o('use_rslora', 'boolean', 'rank-stabilised scaling alpha/sqrt(r)'),
  o('use_dora', 'boolean', 'weight-decomposed LoRA (DoRA)'),
  o('init_adapter', 'path', 'start from this PEFT adapter folder instead of a fresh one', { arg: 'dir' }),
];

export const TRAINER_OPTIONS: OptionSpec[] = [
  o('data', 'path', 'training data: .jsonl, .json or .csv', { arg: 'file' }),
  o('eval_data', 'path', 'evaluation data (else --eval-split of the training data)', { arg: 'file' }),
  o('eval_split', 'number', 'hold out this fraction of the training data for evaluation', {
    min: 0,
    max: 1,
    exclusive: true,
  }),
  o('output', 'path', 'output folder: adapter, checkpoints, metrics.jsonl, report.md', { arg: 'dir' }),
  o('max_samples', 'int', 'use at most N training (and N evaluation) examples, e.g. for a quick trial', {
    min: 1,
    max: LIMITS.examples,
  }),
  o('lr', 'number', 'peak learning rate', { min: 0, max: 1, exclusive: true, default: 2e-4 }),
  o('lr_scheduler', 'choice', 'learning-rate schedule', {
    choices: ['linear', 'cosine', 'constant', 'constant_with_warmup'],
    default: 'linear',
  }),
  o('warmup_steps', 'int', 'linear warm-up steps', { min: 0, max: LIMITS.steps }),
  o('warmup_ratio', 'number', 'warm-up as a fraction of the steps', { min: 0, max: 1 }),
  o('weight_decay', 'number', 'AdamW decoupled weight decay', { min: 0, max: 10, default: 0 }),
  o('batch_size', 'int', 'examples per micro-batch', { min: 1, max: LIMITS.batch, default: 4 }),
  o('grad_accum', 'int', 'micro-batches per optimizer step', { min: 1, max: LIMITS.batch, default: 1 }),
  o('max_grad_norm', 'number', 'clip the gradient norm (0 turns clipping off)', {
    min: 0,
    max: 1_000_000,
    default: 1,
  }),
  o('epochs', 'number', 'passes over the training data', {
    min: 0,
    max: 10_000,
    exclusive: true,
    default: 3,
  }),
  o('max_steps', 'int', 'optimizer steps (overrides --epochs)', { min: 1, max: LIMITS.steps }),
  o(
    'packing',
    'boolean',
    'pack examples into blocks of --max-length, each example keeping its own positions and attention',
  ),
  o('seed', 'int', 'seed for shuffling, dropout and LoRA initialisation', {
    min: 0,
    max: LIMITS.seed,
    default: 42,
  }),
  o('shuffle', 'boolean', 'shuffle the training data each epoch', { negatable: true, default: true }),
  o('eval_steps', 'int', 'evaluate every N steps (and at the end)', { min: 1, max: LIMITS.steps }),
  o('save_steps', 'int', 'checkpoint every N steps', { min: 1, max: LIMITS.steps, default: 500 }),
  o('logging_steps', 'int', 'log metrics every N steps', { min: 1, max: LIMITS.steps, default: 10 }),
  o('save_total_limit', 'int', 'keep at most N checkpoints (never the best)', {
    min: 1,
    max: LIMITS.steps,
  }),
  o('gradient_checkpointing', 'boolean', 'recompute each layer in backward to save memory'),
  o('resume', 'boolean', 'continue from the latest checkpoint in --output (with the same settings)'),
  o('overwrite', 'boolean', 'replace an earlier run in --output (adapter, checkpoints, logs)'),
  o(
    'allow_changes',
    'boolean',
    'with --resume: continue although settings changed since the checkpoint (each change is listed)',
  ),
  o('eval_prompts', 'int', 'held-out prompts generated before and after training for the report', {
    min: 0,
    max: 100_000,
    default: 24,
  }),
  o('max_new_tokens', 'int', 'tokens generated per answer in the report', {
    min: 1,
    max: LIMITS.tokens,
    default: 100,
  }),
];

export const GENERATION_OPTIONS: OptionSpec[] = [
  o('adapter', 'path', 'PEFT adapter folder (adapter_config.json + adapter_model.safetensors)', {
    arg: 'dir',
  }),
  o('max_new_tokens', 'int', 'tokens to generate at most', { min: 1, max: LIMITS.tokens, default: 100 }),
  o('temperature', 'number', 'sampling temperature (0 = greedy)', { min: 0, max: 100, default: 0.7 }),
  o('top_p', 'number', 'nucleus sampling mass', { min: 0, max: 1, exclusive: false, default: 1 }),
  o('top_k', 'int', 'sample among the k most likely tokens (0 = all)', {
    min: 0,
    max: 10_000_000,
    default: 0,
  }),
  o('repetition_penalty', 'number', 'divide the logits of tokens already seen', {
    min: 0,
    max: 100,
    exclusive: true,
    default: 1,
  }),
  o('seed', 'int', 'sampling seed', { min: 0, max: LIMITS.seed, default: 42 }),
  o('system', 'string', 'system prompt', { arg: 'text' }),
];
