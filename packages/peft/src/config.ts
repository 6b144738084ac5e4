// LoraConfig with Hugging Face PEFT's field names, defaults and __post_init__ checks (peft/tuners/lora/config.py,
// peft/config.py), pinned to the field set PEFT 0.19.1 writes to adapter_config.json.
import { showValue } from '@lora/core';
import { LoraConfigError } from './errors.js';

/** The PEFT release whose adapter_config.json field set this package writes. */
export const PEFT_VERSION = '0.19.1';

/** PEFT's `bias` setting: which biases train with the adapter. */
export type LoraBias = 'none' | 'all' | 'lora_only';

/**
 * init_lora_weights values this package can initialise: true (Kaiming A, zero B), false, "gaussian", and the inits that
 * read and rewrite the base weight, "pissa", "pissa_niter_K" and "olora" (PEFT also has loftq, eva, corda, orthogonal).
 */
export type LoraInit = boolean | 'gaussian' | 'pissa' | 'olora' | `pissa_niter_${number}`;

/** PEFT's `LoraConfig`, with its field names, as `adapter_config.json` holds it. */
export interface LoraConfig {
  // PeftConfigMixin / PeftConfig
  task_type: string | null;
  peft_type: 'LORA';
  auto_mapping: Record<string, unknown> | null;
  peft_version: string;
  base_model_name_or_path: string | null;
  revision: string | null;
  inference_mode: boolean;
  // LoraConfig
  r: number;
  /** a list: a module matches when its name equals an entry or ends with ".<entry>"; a string: regex full match; "all-linear" */
  target_modules: string[] | string | null;
  exclude_modules: string[] | string | null;
  lora_alpha: number;
  lora_dropout: number;
  /** the base stores its weight as (in, out), like GPT-2's Conv1D; only the merged export layout depends on it */
  fan_in_fan_out: boolean;
  bias: LoraBias;
  /** scale α/√r instead of α/r */
  use_rslora: boolean;
  modules_to_save: string[] | null;
  /** how A and B start (see LoraInit); a loaded adapter may also say "eva" or "orthogonal" (a plain LoRA there) */
  init_lora_weights: LoraInit | 'eva' | 'orthogonal';
  layers_to_transform: number[] | number | null;
  layers_pattern: string[] | string | null;
  /** module-name pattern → rank, matched like PEFT's get_pattern_key (first key, in order, with (.*\.)?(key)$) */
  rank_pattern: Record<string, number>;
  alpha_pattern: Record<string, number>;
  use_dora: boolean;
  // written by PEFT 0.19.1, carried through; a non-default value is refused (see UNSUPPORTED_FIELDS)
  megatron_config: Record<string, unknown> | null;
  megatron_core: string | null;
  trainable_token_indices: unknown;
  loftq_config: Record<string, unknown>;
  eva_config: unknown;
  corda_config: unknown;
  lora_ga_config: unknown;
  alora_invocation_tokens: unknown;
  use_qalora: boolean;
  qalora_group_size: number;
  layer_replication: unknown;
  lora_bias: boolean;
  target_parameters: unknown;
  use_bdlora: unknown;
  arrow_config: unknown;
  ensure_weight_tying: boolean;
}

/** PEFT 0.19.1's defaults (task_type: PEFT's default is null; this package adapts causal LMs, so "CAUSAL_LM"). */
export const LORA_CONFIG_DEFAULTS: Readonly<LoraConfig> = Object.freeze({
  task_type: 'CAUSAL_LM',
  peft_type: 'LORA',
  auto_mapping: null,
  peft_version: PEFT_VERSION,
  base_model_name_or_path: null,
  revision: null,
  inference_mode: false,
  r: 8,
  target_modules: null,
  exclude_modules: null,
  lora_alpha: 8,
  lora_dropout: 0,
  fan_in_fan_out: false,
  bias: 'none',
  use_rslora: false,
  modules_to_save: null,
  init_lora_weights: true,
  layers_to_transform: null,
  layers_pattern: null,
  rank_pattern: {},
  alpha_pattern: {},
  use_dora: false,
  megatron_config: null,
  megatron_core: 'megatron.core',
  trainable_token_indices: null,
  loftq_config: {},
  eva_config: null,
  corda_config: null,
  lora_ga_config: null,
  alora_invocation_tokens: null,
  use_qalora: false,
  qalora_group_size: 16,
  layer_replication: null,
  lora_bias: false,
  target_parameters: null,
  use_bdlora: null,
  arrow_config: null,
  ensure_weight_tying: false,
});

/** Every key PEFT 0.19.1 writes to adapter_config.json (runtime_config is popped by LoraConfig.to_dict). */
export const LORA_CONFIG_KEYS = Object.freeze(Object.keys(LORA_CONFIG_DEFAULTS) as (keyof LoraConfig)[]);

/** Fields whose non-default value changes what the adapter computes in ways this package does not implement. */
export const UNSUPPORTED_FIELDS: readonly (keyof LoraConfig)[] = [
  'megatron_config',
  'trainable_token_indices',
  'loftq_config',
  'eva_config',
  'corda_config',
  'lora_ga_config',
  'alora_invocation_tokens',
  'use_qalora',
  'layer_replication',
  'lora_bias',
  'target_parameters',
  'use_bdlora',
  'arrow_config',
  'ensure_weight_tying',
];

/** init_lora_weights values whose trained adapter is a plain LoRA on an untouched base (safe to load). */
const LOADABLE_INITS = new Set<unknown>([true, false, 'gaussian', 'eva', 'orthogonal']);

/** Whether `init` is an init_lora_weights value injectLora can initialise (see LoraInit). */
export function isTrainableInit(init: unknown): init is LoraInit {
  return (
    init === true ||
    init === false ||
    init === 'gaussian' ||
    init === 'pissa' ||
    init === 'olora' ||
    (typeof init === 'string' && /^pissa_niter_\d+$/.test(init))
  );
}

/** Python truthiness of a JSON value (None, 0, "", [] and {} are false). */
const truthy = (v: unknown): boolean =>
  v !== null &&
  v !== undefined &&
  v !== false &&
  v !== 0 &&
  v !== '' &&
  !(typeof v === 'object' && Object.keys(v).length === 0);

/** A full LoraConfig from PEFT's defaults and `options`, checked as PEFT's __post_init__ checks it. */
export function loraConfig(options: Partial<LoraConfig> = {}): LoraConfig {
  const config: LoraConfig = { ...structuredClone(LORA_CONFIG_DEFAULTS), ...structuredClone(options) };
  validateLoraConfig(config);
  return config;
}

/** Throws LoraConfigError naming the key for anything PEFT would reject or this package cannot run. */
export function validateLoraConfig(
  config: LoraConfig,
  where = 'LoraConfig',
  purpose: 'train' | 'load' = 'train',
): void {
  const fail = (key: string, expected: string, got: unknown): never => {
    throw new LoraConfigError(`${where}: ${key} expected ${expected}, got ${showValue(got)}`);
  };
  if (config.peft_type !== 'LORA') fail('peft_type', '"LORA"', config.peft_type);
  if (!Number.isInteger(config.r) || config.r <= 0) fail('r', 'a positive integer', config.r);
  if (!Number.isFinite(config.lora_alpha)) fail('lora_alpha', 'a finite number', config.lora_alpha);
  if (!(config.lora_dropout >= 0 && config.lora_dropout < 1))
    fail('lora_dropout', 'a number in [0, 1)', config.lora_dropout);
  if (!['none', 'all', 'lora_only'].includes(config.bias))
    fail('bias', '"none", "all" or "lora_only"', config.bias);
  for (const key of ['fan_in_fan_out', 'use_rslora', 'use_dora', 'inference_mode'] as const) {
    if (typeof config[key] !== 'boolean') fail(key, 'a boolean', config[key]);
  }
  const tm = config.target_modules;
  if (
    tm !== null &&
    typeof tm !== 'string' &&
    !(Array.isArray(tm) && tm.every((t) => typeof t === 'string'))
  ) {
    fail('target_modules', 'a list of strings, a regex string or null', tm);
  }
  if (typeof tm === 'string' && config.layers_to_transform !== null) {
    fail('layers_to_transform', 'null when target_modules is a regex string', config.layers_to_transform);
  }
  if (typeof tm === 'string' && config.layers_pattern !== null) {
    fail('layers_pattern', 'null when target_modules is a regex string', config.layers_pattern);
  }
  const lt = config.layers_to_transform;
  if (lt !== null && !Number.isInteger(lt) && !(Array.isArray(lt) && lt.every(Number.isInteger))) {
    fail('layers_to_transform', 'an integer, a list of integers or null', lt);
  }
  if (truthy(config.layers_pattern) && !truthy(lt)) {
    fail('layers_to_transform', 'to be set when layers_pattern is set', lt);
  }
  for (const key of ['rank_pattern', 'alpha_pattern'] as const) {
    const pattern = config[key];
    if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern))
      fail(key, 'an object', pattern);
    for (const [k, v] of Object.entries(pattern)) {
      const ok = key === 'rank_pattern' ? Number.isInteger(v) && v > 0 : Number.isFinite(v);
      if (!ok)
        fail(
          `${key}[${JSON.stringify(k)}]`,
          key === 'rank_pattern' ? 'a positive integer' : 'a finite number',
          v,
        );
    }
  }
  const init = config.init_lora_weights;
  if (purpose === 'train' && !isTrainableInit(init)) {
    fail('init_lora_weights', 'true, false, "gaussian", "pissa", "pissa_niter_<K>" or "olora"', init);
  }
  if (purpose === 'load' && !LOADABLE_INITS.has(init)) {
    const residual =
      typeof init === 'string' && /^(pissa|olora)/.test(init)
        ? ' (a PiSSA/OLoRA adapter needs the residual base it was trained on; save it with convertToLora to load it on the original base)'
        : '';
    fail(
      'init_lora_weights',
      `${[...LOADABLE_INITS].map((v) => JSON.stringify(v)).join(', ')}${residual}`,
      init,
    );
  }
  for (const key of UNSUPPORTED_FIELDS) {
    const value = config[key];
    if (truthy(value))
      fail(key, `its default ${JSON.stringify(LORA_CONFIG_DEFAULTS[key])} (not supported here)`, value);
  }
}

/** The scaling factor PEFT's LoraLayer.update_layer sets: α/√r with rsLoRA, else α/r. */
export function loraScaling(alpha: number, r: number, useRslora: boolean): number {
  return useRslora ? alpha / Math.sqrt(r) : alpha / r;
}
