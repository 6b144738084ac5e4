// Every option of the CLI, by group (common, model, data, quantization, LoRA, trainer, generation), declared with
// option-spec.ts's `option`: its key, type, description, default and limits, and the names people know it by from
// Hugging Face, TRL, PEFT, bitsandbytes and axolotl as its aliases.
import {
  fourBitType,
  loadIn4bit,
  negated,
  resumeLatest,
  singleDatasetPath,
  targetLinear,
  textField,
} from './alias-conversions.js';
import { BACKEND_CHOICES } from './backend.js';
import { OPTIMIZERS, optimizerNote, REFUSED_OPTIMIZERS } from './optimizer-names.js';
import { also, LIMITS, type OptionAlias, option } from './option-spec.js';

const o = option;

/** axolotl's base_model, TRL's (and the transformers examples') model_name_or_path */
export const MODEL_ALIASES = also('base_model', 'model_name_or_path');
/** axolotl: the adapter to load (for training, the one to start from) */
export const ADAPTER_ALIASES = also('lora_model_dir');
/** bitsandbytes' BitsAndBytesConfig, TRL's ModelConfig */
export const DOUBLE_QUANT_ALIASES = also('bnb_4bit_use_double_quant', 'use_bnb_nested_quant');
/** load_in_4bit (transformers, TRL, axolotl) and bnb_4bit_quant_type (bitsandbytes, TRL) for --quant */
export const QUANT_ALIASES: readonly OptionAlias[] = [
  { key: 'load_in_4bit', convert: loadIn4bit, boolean: true },
  { key: 'bnb_4bit_quant_type', convert: fourBitType },
];

export const COMMON_OPTIONS = [
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

export const MODEL_OPTIONS = [
  o('model', 'path', 'base model folder (Hugging Face layout: config.json, *.safetensors, tokenizer.json)', {
    arg: 'dir',
    aliases: MODEL_ALIASES,
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

export const DATA_OPTIONS = [
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
    aliases: [{ key: 'dataset_text_field', convert: textField }],
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
    aliases: also('max_seq_length', 'sequence_len'),
  }),
  o(
    'response_template',
    'string',
    'text data: train only on what follows this text in each example, e.g. "### Answer:" (TRL completion-only)',
    { arg: 'text' },
  ),
  o(
    'instruction_template',
    'string',
    'text data with several turns: the text before each prompt turn, masked again up to the next response template',
    { arg: 'text' },
  ),
  o(
    'completion_only',
    'boolean',
    'train on the answers only (assistant turns); --no-completion-only trains on all tokens',
    {
      negatable: true,
      default: true,
      aliases: [
        ...also('completion_only_loss', 'assistant_only_loss'),
        { key: 'train_on_inputs', convert: negated, boolean: true },
      ],
    },
  ),
];

export const QUANT_OPTIONS = [
  o('quant', 'choice', 'load the base in 4 bits (QLoRA) or keep it dense', {
    choices: ['nf4', 'fp4', 'none'],
    default: 'nf4',
    aliases: QUANT_ALIASES,
  }),
  o('double_quant', 'boolean', 'quantize the 4-bit absmax constants again (QLoRA double quantization)', {
    negatable: true,
    default: true,
    aliases: DOUBLE_QUANT_ALIASES,
  }),
];

export const LORA_OPTIONS = [
  o('lora_r', 'int', 'LoRA rank', {
    min: 1,
    max: 4096,
    default: 8,
    aliases: [{ key: 'r', configOnly: true }], // PEFT's LoraConfig
  }),
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
    aliases: [
      ...also('lora_target_modules'),
      { key: 'lora_target_linear', convert: targetLinear, boolean: true },
    ],
  }),
  o(
    'modules_to_save',
    'list',
    'modules trained in full and saved with the adapter (PEFT modules_to_save), e.g. embed_tokens',
    { arg: 'a,b', aliases: also('lora_modules_to_save') }, // axolotl
  ),
  o('use_rslora', 'boolean', 'rank-stabilised scaling alpha/sqrt(r)', { aliases: also('peft_use_rslora') }),
  o('use_dora', 'boolean', 'weight-decomposed LoRA (DoRA)', { aliases: also('peft_use_dora') }),
  o(
    'init_lora_weights',
    'choice',
    "PEFT's init_lora_weights: true (A Kaiming, B 0), gaussian, false, or PiSSA/OLoRA from the base weight (the final adapter is saved as a plain LoRA of the original base)",
    {
      choices: ['true', 'false', 'gaussian', 'pissa', 'olora'],
      pattern: { test: /^pissa_niter_[1-9]\d*$/, shown: 'pissa_niter_<K>' },
      default: 'true',
    },
  ),
  o('init_adapter', 'path', 'start from this PEFT adapter folder instead of a fresh one', {
    arg: 'dir',
    aliases: ADAPTER_ALIASES,
  }),
];

/** --bf16, --fp16, --tf32: accepted so Hugging Face and axolotl configs run, with a note that they change nothing. */
function precision<const K extends string>(key: K, what: string) {
  return o(
    key,
    'boolean',
    `accepted from Hugging Face configs; this build computes in float32 (${what} is not implemented)`,
    {
      note: (value: unknown) =>
        value === true
          ? `${what} is not implemented: this build computes in float32 (weights stored as bf16/f16 are read as float32; activations, gradients and optimizer state are float32), so the run's numbers are float32's and it saves no memory`
          : undefined,
    },
  );
}

export const TRAINER_OPTIONS = [
  o('data', 'path', 'training data: .jsonl, .json or .csv', {
    arg: 'file',
    aliases: [{ key: 'datasets', convert: singleDatasetPath, configOnly: true }],
  }),
  o('eval_data', 'path', 'evaluation data (else --eval-split of the training data)', {
    arg: 'file',
    aliases: [{ key: 'test_datasets', convert: singleDatasetPath, configOnly: true }],
  }),
  o('eval_split', 'number', 'hold out this fraction of the training data for evaluation', {
    min: 0,
    max: 1,
    exclusive: true,
    aliases: also('val_set_size'),
  }),
  o('output', 'path', 'output folder: adapter, checkpoints, metrics.jsonl, report.md', {
    arg: 'dir',
    aliases: also('output_dir'),
  }),
  o('max_samples', 'int', 'use at most N training (and N evaluation) examples, e.g. for a quick trial', {
    min: 1,
    max: LIMITS.examples,
  }),
  o('lr', 'number', 'peak learning rate', {
    min: 0,
    max: 1,
    exclusive: true,
    default: 2e-4,
    aliases: also('learning_rate'),
  }),
  o('lr_scheduler', 'choice', 'learning-rate schedule', {
    choices: ['linear', 'cosine', 'constant', 'constant_with_warmup'],
    default: 'linear',
    aliases: also('lr_scheduler_type'),
  }),
  o('warmup_steps', 'int', 'linear warm-up steps', { min: 0, max: LIMITS.steps }),
  o('warmup_ratio', 'number', 'warm-up as a fraction of the steps', { min: 0, max: 1 }),
  o('weight_decay', 'number', 'AdamW decoupled weight decay', { min: 0, max: 10, default: 0 }),
  o(
    'loraplus_lr_ratio',
    'number',
    "LoRA+: lora_B and 1-D parameters learn at lr × this (PEFT's create_loraplus_optimizer, axolotl's key)",
    { min: 0, max: 1_000_000, exclusive: true },
  ),
  o('batch_size', 'int', 'examples per micro-batch', {
    min: 1,
    max: LIMITS.batch,
    default: 4,
    aliases: also('per_device_train_batch_size', 'micro_batch_size'),
  }),
  o('grad_accum', 'int', 'micro-batches per optimizer step', {
    min: 1,
    max: LIMITS.batch,
    default: 1,
    aliases: also('gradient_accumulation_steps'),
  }),
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
    aliases: also('num_train_epochs', 'num_epochs'),
  }),
  o('max_steps', 'int', 'optimizer steps (overrides --epochs)', { min: 1, max: LIMITS.steps }),
  o(
    'packing',
    'boolean',
    'pack examples into blocks of --max-length, each example keeping its own positions and attention',
    { aliases: also('sample_packing') },
  ),
  o('seed', 'int', 'seed for shuffling, dropout and LoRA initialisation', {
    min: 0,
    max: LIMITS.seed,
    default: 42,
  }),
  o('shuffle', 'boolean', 'shuffle the training data each epoch', { negatable: true, default: true }),
  o(
    'eval_steps',
    'int',
    'evaluate every N steps (and at the end); unset: about 5 a run, and no more often than every 10 steps',
    {
      min: 1,
      max: LIMITS.steps,
    },
  ),
  o('save_steps', 'int', 'checkpoint every N steps', { min: 1, max: LIMITS.steps, default: 500 }),
  o('logging_steps', 'int', 'log metrics every N steps', { min: 1, max: LIMITS.steps, default: 10 }),
  o('save_total_limit', 'int', 'keep at most N checkpoints (never the best)', {
    min: 1,
    max: LIMITS.steps,
  }),
  o('gradient_checkpointing', 'boolean', 'recompute each layer in backward to save memory'),
  o(
    'max_memory',
    'string',
    'refuse before loading the model when the memory plan needs more than this: bytes, 20GiB, 1.5TB or 80% (of RAM); default 90% of RAM',
    { arg: 'size' },
  ),
  o('resume', 'boolean', 'continue from the latest checkpoint in --output (with the same settings)', {
    aliases: [{ key: 'resume_from_checkpoint', convert: resumeLatest }],
  }),
  o('overwrite', 'boolean', 'replace an earlier run in --output (adapter, checkpoints, logs)', {
    aliases: also('overwrite_output_dir'),
  }),
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
  o(
    'optim',
    'choice',
    "optimizer, by its Hugging Face name: AdamW (torch's), 8-bit AdamW (bitsandbytes') or SGD",
    {
      choices: OPTIMIZERS,
      default: 'adamw_torch',
      refused: REFUSED_OPTIMIZERS,
      note: optimizerNote,
      aliases: also('optimizer'),
    },
  ),
  precision('bf16', 'bfloat16 mixed precision'),
  precision('fp16', 'float16 mixed precision'),
  precision('tf32', 'TF32 matmuls'),
];

export const GENERATION_OPTIONS = [
  o('adapter', 'path', 'PEFT adapter folder (adapter_config.json + adapter_model.safetensors)', {
    arg: 'dir',
    aliases: ADAPTER_ALIASES,
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
