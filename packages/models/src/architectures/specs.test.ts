// Each architecture spec against what it mirrors: PEFT's and mlx-lm's default targets, its own tiny config, and the
// tensor list its names imply.
import { describe, expect, test } from 'vitest';
import { parseModelConfig } from '../config.js';
import {
  ARCHITECTURE_SPECS,
  ARCHITECTURES,
  architectureSpec,
  checkpointNaming,
  tensorSpecs,
} from './index.js';

/** peft/utils/constants.py TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING */
const PEFT_TARGETS: Record<string, string[]> = {
  llama: ['q_proj', 'v_proj'],
  qwen2: ['q_proj', 'v_proj'],
  gemma: ['q_proj', 'v_proj'],
  gpt2: ['c_attn'],
  mistral: ['q_proj', 'v_proj'],
  phi3: [], // no entry: PEFT asks for target_modules
  gemma2: ['q_proj', 'v_proj'],
};

describe.each(ARCHITECTURES)('%s spec', (architecture) => {
  const spec = ARCHITECTURE_SPECS[architecture];
  const config = parseModelConfig(spec.tinyConfig, `tiny ${architecture}`);

  test('is registered under its model_type, and its tiny config parses to it', () => {
    expect(spec.modelType).toBe(architecture);
    expect(config.architecture).toBe(architecture);
    expect(architectureSpec(config)).toBe(spec);
  });

  test("PEFT's default targets, and fan_in_fan_out exactly when the linears are Conv1D", () => {
    expect([...spec.lora.targetModules]).toEqual(PEFT_TARGETS[architecture]);
    const conv1d = tensorSpecs(config).filter((t) => t.role === 'linear' && t.kind === 'weight' && t.conv1d);
    expect(spec.lora.fanInFanOut).toBe(conv1d.length > 0);
  });

  test("every linear the names list has a weight in the tensor list, and mlx-lm's keys name linears", () => {
    const modules = new Set(tensorSpecs(config).flatMap((t) => (t.module ? [t.module] : [])));
    const names = spec.names(config);
    expect(names.layers).toHaveLength(config.numLayers);
    for (const layer of names.layers)
      for (const module of [...Object.values(layer.attention), ...Object.values(layer.mlp)])
        expect(modules.has(module), module).toBe(true);
    const inLayer = [...modules].filter((m) => m.startsWith(`${names.layers[0]!.prefix}.`));
    for (const key of spec.lora.mlxKeys) expect(inLayer).toContain(`${names.layers[0]!.prefix}.${key}`);
  });

  test('checkpointNaming strips a legacy prefix only when the checkpoint lacks the full names', () => {
    const names = new Set(tensorSpecs(config).map((t) => t.name));
    const embed = spec.names(config).embed;
    expect(checkpointNaming(config, (n) => names.has(n))(embed)).toBe(embed);
    const legacy = spec.legacyNames;
    if (!legacy) return;
    const short = new Set([...names].map((n) => n.slice(legacy.prefix.length)));
    expect(checkpointNaming(config, (n) => short.has(n))(embed)).toBe(embed.slice(legacy.prefix.length));
  });
});
