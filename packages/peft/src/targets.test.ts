import { ARCHITECTURES, CausalLM, tinyCheckpointTensors } from '@lora/models';
import { describe, expect, test } from 'vitest';
import { loraConfig } from './config.js';
import { TargetModulesError } from './errors.js';
import { injectLora } from './lora-model.js';
import {
  adapterDefaultsOf,
  checkTargetModuleExists,
  findMinimalTargetModules,
  getPatternKey,
  planTargets,
  rankAndAlpha,
} from './targets.js';

const llamaNames = [0, 1, 2].flatMap((i) =>
  [
    'self_attn.q_proj',
    'self_attn.k_proj',
    'self_attn.v_proj',
    'self_attn.o_proj',
    'mlp.gate_proj',
    'mlp.up_proj',
    'mlp.down_proj',
  ].map((m) => `model.layers.${i}.${m}`),
);
const linearNames = [...llamaNames, 'lm_head'];

// Cases follow PEFT's check_target_module_exists and its tests (tests/test_tuners_utils.py REGEX_TEST_CASES).
describe('checkTargetModuleExists', () => {
  test.each([
    [{ target_modules: ['q_proj'] }, 'model.layers.0.self_attn.q_proj', true],
    [{ target_modules: ['q_proj'] }, 'model.layers.0.self_attn.q_proj_x', false],
    [{ target_modules: ['attn.q_proj'] }, 'model.layers.0.self_attn.q_proj', false], // ".attn.q_proj" is not a suffix
    [{ target_modules: ['self_attn.q_proj'] }, 'model.layers.0.self_attn.q_proj', true],
    [{ target_modules: ['lm_head'] }, 'lm_head', true], // exact name
    [{ target_modules: '.*q_proj' }, 'model.layers.0.self_attn.q_proj', true], // re.fullmatch
    [{ target_modules: 'q_proj' }, 'model.layers.0.self_attn.q_proj', false], // a string is a regex, fully matched
    [{ target_modules: '.*layers\\.(0|2)\\..*(q|v)_proj' }, 'model.layers.2.self_attn.v_proj', true],
    [{ target_modules: '.*layers\\.(0|2)\\..*(q|v)_proj' }, 'model.layers.1.self_attn.v_proj', false],
    [{ target_modules: ['q_proj'], layers_to_transform: [1] }, 'model.layers.1.self_attn.q_proj', true],
    [{ target_modules: ['q_proj'], layers_to_transform: [1] }, 'model.layers.0.self_attn.q_proj', false],
    [{ target_modules: ['q_proj'], layers_to_transform: 0 }, 'model.layers.0.self_attn.q_proj', true],
    [
      { target_modules: ['q_proj'], layers_to_transform: [0], layers_pattern: 'h' },
      'model.layers.0.self_attn.q_proj',
      false,
    ],
    [
      { target_modules: ['c_attn'], layers_to_transform: [0], layers_pattern: ['layers', 'h'] },
      'transformer.h.0.attn.c_attn',
      true,
    ],
    [
      { target_modules: ['model.layers.0.self_attn.q_proj'], layers_to_transform: [1] },
      'model.layers.0.self_attn.q_proj',
      true,
    ], // exact names skip the layer filter
    [
      { target_modules: ['q_proj'], exclude_modules: ['layers.0.self_attn.q_proj'] },
      'model.layers.0.self_attn.q_proj',
      'excluded',
    ],
    [
      { target_modules: ['q_proj'], exclude_modules: '.*layers\\.1\\..*' },
      'model.layers.1.self_attn.q_proj',
      'excluded',
    ],
    [{ target_modules: ['lm_head'], modules_to_save: ['lm_head'] }, 'lm_head', 'excluded'],
  ])('%j on %s → %s', (options, name, expected) => {
    expect(checkTargetModuleExists(loraConfig(options), name)).toBe(expected);
  });
});

describe('getPatternKey (first key, in order, with re.match(rf"(.*\\.)?({key})$"))', () => {
  test.each([
    [['q_proj', 'layers.1.self_attn.q_proj'], 'model.layers.1.self_attn.q_proj', 'q_proj'],
    [['layers.1.self_attn.q_proj', 'q_proj'], 'model.layers.1.self_attn.q_proj', 'layers.1.self_attn.q_proj'],
    [
      ['^model.layers.1.self_attn.q_proj'],
      'model.layers.1.self_attn.q_proj',
      '^model.layers.1.self_attn.q_proj',
    ],
    [['proj'], 'model.layers.1.self_attn.q_proj', 'model.layers.1.self_attn.q_proj'], // "proj" is not a whole dotted suffix
    [['layers.[01].mlp.*'], 'model.layers.0.mlp.up_proj', 'layers.[01].mlp.*'],
  ])('%j for %s → %s', (keys, name, expected) => {
    expect(getPatternKey(keys, name)).toBe(expected);
  });

  test('rank_pattern and alpha_pattern are looked up separately', () => {
    const config = loraConfig({
      target_modules: ['q_proj'],
      r: 8,
      lora_alpha: 16,
      rank_pattern: { 'layers.1.self_attn.q_proj': 4 },
      alpha_pattern: { q_proj: 32 },
    });
    expect(rankAndAlpha(config, 'model.layers.1.self_attn.q_proj')).toEqual({ r: 4, alpha: 32 });
    expect(rankAndAlpha(config, 'model.layers.0.self_attn.q_proj')).toEqual({ r: 8, alpha: 32 });
  });
});

describe('findMinimalTargetModules', () => {
  test("PEFT's docstring example condenses 200 names to two suffixes", () => {
    const targets = [
      ...Array.from({ length: 100 }, (_, i) => `model.decoder.layers.${i}.self_attn.q_proj`),
      ...Array.from({ length: 100 }, (_, i) => `model.decoder.layers.${i}.self_attn.v_proj`),
    ];
    const others = Array.from({ length: 100 }, (_, i) => `model.encoder.layers.${i}.self_attn.k_proj`);
    expect(findMinimalTargetModules(targets, others).sort()).toEqual(['q_proj', 'v_proj']);
  });

  test('keeps the shortest suffix no other module has (result of PEFT 0.19.1 run by CPython)', () => {
    const targets = ['model.decoder.layers.0.self_attn.q_proj', 'model.decoder.layers.1.self_attn.q_proj'];
    const others = ['model.encoder.layers.0.self_attn.q_proj'];
    expect(findMinimalTargetModules(targets, others).sort()).toEqual([
      '1.self_attn.q_proj',
      'decoder.layers.0.self_attn.q_proj',
    ]);
  });
});

describe('planTargets', () => {
  test('per-module rank and alpha in model order', () => {
    const plan = planTargets(
      linearNames,
      loraConfig({ target_modules: ['q_proj', 'down_proj'], rank_pattern: { down_proj: 2 } }),
    );
    expect(plan.targets.map((t) => [t.name, t.r, t.alpha])).toEqual(
      [0, 1, 2].flatMap((i) => [
        [`model.layers.${i}.self_attn.q_proj`, 8, 8],
        [`model.layers.${i}.mlp.down_proj`, 2, 8],
      ]),
    );
  });

  test('"all-linear" takes every linear but the output head; 21 names condense to the 7 suffixes', () => {
    const plan = planTargets(linearNames, loraConfig({ target_modules: 'all-linear' }));
    expect(plan.targets.map((t) => t.name)).toEqual(llamaNames);
    expect(plan.config.target_modules).toEqual([
      'down_proj',
      'gate_proj',
      'k_proj',
      'o_proj',
      'q_proj',
      'up_proj',
      'v_proj',
    ]);
  });

  test('"all-linear" stores the base names however few linears there are, as PEFT does', () => {
    const plan = planTargets(
      [
        'model.layers.0.mlp.up_proj',
        'model.layers.0.self_attn.q_proj',
        'model.layers.1.mlp.up_proj',
        'lm_head',
      ],
      loraConfig({ target_modules: 'ALL-LINEAR' }),
    );
    expect(plan.config.target_modules).toEqual(['q_proj', 'up_proj']);
    expect(plan.targets.map((t) => t.name)).toEqual([
      'model.layers.0.mlp.up_proj',
      'model.layers.0.self_attn.q_proj',
      'model.layers.1.mlp.up_proj',
    ]);
  });

  test("null target_modules takes the model's defaults (PEFT's for its model type)", () => {
    const defaults = {
      modelType: 'qwen2',
      targetModules: ['q_proj', 'v_proj'],
      fanInFanOut: false,
      mlxKeys: [],
    };
    const plan = planTargets(linearNames, loraConfig(), { defaults });
    expect(plan.config.target_modules).toEqual(['q_proj', 'v_proj']);
    expect(plan.config.fan_in_fan_out).toBe(false);
    expect(() => planTargets(linearNames, loraConfig())).toThrowError(/no PEFT default for model type null/);
  });

  test('Conv1D defaults set fan_in_fan_out, as PEFT does for GPT-2, unless only lm_head is targeted', () => {
    const defaults = { modelType: 'gpt2', targetModules: ['c_attn'], fanInFanOut: true, mlxKeys: [] };
    const names = ['transformer.h.0.attn.c_attn', 'transformer.h.0.mlp.c_fc', 'lm_head'];
    expect(planTargets(names, loraConfig(), { defaults }).config.fan_in_fan_out).toBe(true);
    const head = planTargets(names, loraConfig({ target_modules: ['lm_head'] }), { defaults });
    expect(head.config.fan_in_fan_out).toBe(false);
  });

  test("adapterDefaultsOf reads a model's adapterDefaults, and nothing else", () => {
    const defaults = {
      modelType: 'gpt2',
      targetModules: ['c_attn'],
      fanInFanOut: true,
      mlxKeys: ['attn.c_attn'],
    };
    expect(adapterDefaultsOf({ adapterDefaults: defaults })).toBe(defaults);
    expect(adapterDefaultsOf({ config: { raw: { model_type: 'gpt2' } } })).toBeUndefined();
    expect(adapterDefaultsOf(undefined)).toBeUndefined();
  });

  test('matching nothing names the targets and lists the model linears', () => {
    const run = () =>
      planTargets(linearNames, loraConfig({ target_modules: ['c_attn'], layers_to_transform: [5] }));
    expect(run).toThrowError(TargetModulesError);
    expect(run).toThrowError(
      /Target modules \["c_attn"\] not found in the base model.*'layers_to_transform': \[5\].*model\.layers\.0\.self_attn\.q_proj, .*lm_head/s,
    );
  });

  test('matching only excluded modules says so', () => {
    const run = () =>
      planTargets(linearNames, loraConfig({ target_modules: ['lm_head'], modules_to_save: ['lm_head'] }));
    expect(run).toThrowError(/matched only excluded modules/);
  });
});

describe.each(ARCHITECTURES)(
  "a tiny %s CausalLM's own defaults, as PEFT resolves them for its model_type",
  (arch) => {
    // PEFT's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING and dispatch_default (Conv1D → fan_in_fan_out)
    const PEFT: Record<string, { targets: string[]; fanInFanOut: boolean }> = {
      llama: { targets: ['q_proj', 'v_proj'], fanInFanOut: false },
      qwen2: { targets: ['q_proj', 'v_proj'], fanInFanOut: false },
      gemma: { targets: ['q_proj', 'v_proj'], fanInFanOut: false },
      mistral: { targets: ['q_proj', 'v_proj'], fanInFanOut: false },
      gpt2: { targets: ['c_attn'], fanInFanOut: true },
      phi3: { targets: [], fanInFanOut: false }, // no entry in PEFT's mapping: target_modules must be given
      gemma2: { targets: ['q_proj', 'v_proj'], fanInFanOut: false },
    };
    test('target_modules null wraps its default modules in every layer', () => {
      const { tensors, modelConfig } = tinyCheckpointTensors(arch);
      const model = CausalLM.fromWeights(modelConfig, (n) => (tensors[n] as { data: Float32Array }).data);
      const expected = PEFT[arch]!;
      if (expected.targets.length === 0) {
        expect(() => injectLora(model, loraConfig({ r: 2 }))).toThrow(
          `no PEFT default for model type "${arch}"`,
        );
        const fused = injectLora(model, loraConfig({ r: 2, target_modules: 'all-linear' }));
        const base = new Set([...fused.layers.keys()].map((n) => n.slice(n.lastIndexOf('.') + 1)));
        expect([...base].sort()).toEqual(['down_proj', 'gate_up_proj', 'o_proj', 'qkv_proj']);
        return;
      }
      const lm = injectLora(model, loraConfig({ r: 2 }));
      expect(lm.config.target_modules).toEqual(expected.targets);
      expect(lm.config.fan_in_fan_out).toBe(expected.fanInFanOut);
      const wrapped = [...lm.layers.keys()];
      expect(wrapped).toHaveLength(modelConfig.numLayers * expected.targets.length);
      for (const name of wrapped) expect(expected.targets).toContain(name.slice(name.lastIndexOf('.') + 1));
    });
  },
);
