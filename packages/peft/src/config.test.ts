import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { LORA_CONFIG_DEFAULTS, LORA_CONFIG_KEYS, loraConfig, loraScaling, PEFT_VERSION } from './config.js';
import { adapterConfigJson, parseAdapterConfig } from './config-json.js';
import { AdapterFormatError, LoraConfigError } from './errors.js';

// adapter_config.json written by fixtures/peft-tiny/make_fixture.py: PEFT 0.19.1's LoraConfig field set and defaults,
// LoraConfig.to_dict (runtime_config popped) and save_pretrained's json.dumps(indent=2, sort_keys=True), by CPython.
const fixtureText = (arch: string) =>
  readFileSync(new URL(`../fixtures/peft-tiny/${arch}/adapter/adapter_config.json`, import.meta.url), 'utf8');

describe('LoraConfig defaults', () => {
  test('are PEFT 0.19.1 LoraConfig defaults (task_type aside) and its 38 saved keys', () => {
    const c = loraConfig();
    expect([
      c.r,
      c.lora_alpha,
      c.lora_dropout,
      c.bias,
      c.use_rslora,
      c.use_dora,
      c.init_lora_weights,
    ]).toEqual([8, 8, 0, 'none', false, false, true]);
    expect([
      c.target_modules,
      c.fan_in_fan_out,
      c.modules_to_save,
      c.layers_to_transform,
      c.layers_pattern,
    ]).toEqual([null, false, null, null, null]);
    expect([c.rank_pattern, c.alpha_pattern, c.megatron_core, c.qalora_group_size, c.peft_version]).toEqual([
      {},
      {},
      'megatron.core',
      16,
      PEFT_VERSION,
    ]);
    expect(LORA_CONFIG_KEYS).toHaveLength(38);
    expect(Object.keys(JSON.parse(adapterConfigJson(c))).sort()).toEqual([...LORA_CONFIG_KEYS].sort());
  });

  test.each([
    [8, 16, false, 2],
    [8, 16, true, 16 / Math.sqrt(8)],
    [3, 4, true, 4 / Math.sqrt(3)],
  ])('scaling r=%i alpha=%i rslora=%s is %f', (r, alpha, rs, expected) => {
    expect(loraScaling(alpha, r, rs)).toBe(expected);
  });
});

describe('validation (PEFT __post_init__ and what this package runs)', () => {
  test.each([
    [{ r: 0 }, 'r expected a positive integer'],
    [{ lora_dropout: 1 }, 'lora_dropout expected a number in [0, 1)'],
    [{ bias: 'some' as never }, 'bias expected'],
    [
      { target_modules: '.*q_proj', layers_to_transform: [0] },
      'layers_to_transform expected null when target_modules is a regex',
    ],
    [
      { target_modules: '.*q_proj', layers_pattern: 'layers' },
      'layers_pattern expected null when target_modules is a regex',
    ],
    [
      { target_modules: ['q_proj'], layers_pattern: 'layers' },
      'layers_to_transform expected to be set when layers_pattern is set',
    ],
    [{ rank_pattern: { q_proj: 0 } }, 'rank_pattern["q_proj"] expected a positive integer'],
    [{ init_lora_weights: 'loftq' as never }, 'init_lora_weights expected true, false, "gaussian"'],
    [{ init_lora_weights: 'pissa_niter_x' as never }, 'init_lora_weights expected true, false, "gaussian"'],
    [{ use_qalora: true }, 'use_qalora expected its default false (not supported here)'],
    [{ layer_replication: [[0, 2]] }, 'layer_replication expected its default null'],
    [{ lora_bias: true }, 'lora_bias expected its default false'],
  ])('%j → LoraConfigError', (options, message) => {
    expect(() => loraConfig(options)).toThrowError(LoraConfigError);
    expect(() => loraConfig(options)).toThrowError(message);
  });
});

describe('adapter_config.json', () => {
  test('a known config is written byte for byte as PEFT writes it', () => {
    const config = loraConfig({
      base_model_name_or_path: 'toy/llama-tiny',
      r: 2,
      lora_alpha: 4,
      lora_dropout: 0.05,
      use_rslora: true,
      target_modules: ['q_proj', 'up_proj', 'down_proj'],
      rank_pattern: { 'layers.1.mlp.up_proj': 3 },
      alpha_pattern: { down_proj: 6 },
    });
    expect(adapterConfigJson(config)).toBe(fixtureText('llama'));
  });

  test.each(['llama', 'gpt2'])('%s: parse then write gives the same bytes', (arch) => {
    const text = fixtureText(arch);
    expect(adapterConfigJson(parseAdapterConfig(text))).toBe(text);
  });

  test('inference_mode is written true, as PeftModel.save_pretrained saves it', () => {
    expect(JSON.parse(adapterConfigJson(loraConfig({ target_modules: ['q_proj'] }))).inference_mode).toBe(
      true,
    );
  });

  test('missing keys take defaults (older PEFT); runtime_config and inert unknown keys are dropped', () => {
    const c = parseAdapterConfig(
      JSON.stringify({
        peft_type: 'LORA',
        r: 4,
        target_modules: ['c_attn'],
        runtime_config: { ephemeral_gpu_offload: false },
        velora_config: null,
      }),
    );
    expect([c.r, c.lora_alpha, c.target_modules, c.use_dora]).toEqual([4, 8, ['c_attn'], false]);
    expect('runtime_config' in c || 'velora_config' in c).toBe(false);
  });

  test.each([
    ['not json', '{', AdapterFormatError, 'expected JSON'],
    ['an array', '[]', AdapterFormatError, 'expected a JSON object'],
    ['another method', '{"peft_type": "IA3"}', AdapterFormatError, 'peft_type expected "LORA", got "IA3"'],
    [
      'a feature of a newer PEFT',
      '{"peft_type": "LORA", "monteclora_config": {"n": 2}}',
      LoraConfigError,
      'monteclora_config expected a field PEFT 0.19.1 knows',
    ],
    [
      'an unsupported feature',
      '{"peft_type": "LORA", "use_bdlora": {"blocks": 2}}',
      LoraConfigError,
      'use_bdlora expected its default null',
    ],
    [
      'PiSSA (modified base weights)',
      '{"peft_type": "LORA", "init_lora_weights": "pissa"}',
      LoraConfigError,
      'init_lora_weights expected',
    ],
  ])('%s → its named error', (_what, text, type, message) => {
    expect(() => parseAdapterConfig(text, 'x/adapter_config.json')).toThrowError(type);
    expect(() => parseAdapterConfig(text, 'x/adapter_config.json')).toThrowError(message);
  });

  test('defaults object is frozen', () => {
    expect(Object.isFrozen(LORA_CONFIG_DEFAULTS)).toBe(true);
  });
});
