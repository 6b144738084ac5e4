import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile } from '@lora/safetensors';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tensorSpecs } from './architectures.js';
import { parseModelConfig } from './config.js';
import { writeTinyCheckpoint } from './tiny-checkpoint.js';

let root: string;
let n = 0;
const fresh = () => join(root, `t${n++}`);
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lora-models-tiny-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeTinyCheckpoint', () => {
  test('is deterministic for a seed and changes with it', async () => {
    const bytes = async (seed: number) =>
      readFile(join((await writeTinyCheckpoint(fresh(), 'llama', { seed })).dir, 'model.safetensors'));
    const [a, b, c] = [await bytes(1), await bytes(1), await bytes(2)];
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  test.each(['llama', 'qwen2', 'gpt2', 'gemma'] as const)(
    '%s: the file holds exactly the tensors the architecture names',
    async (arch) => {
      const { dir, config } = await writeTinyCheckpoint(fresh(), arch, { dtype: 'bfloat16' });
      const file = await SafetensorsFile.open(join(dir, 'model.safetensors'));
      const specs = tensorSpecs(parseModelConfig(config));
      expect(file.tensorNames().sort()).toEqual(specs.map((s) => s.name).sort());
      for (const s of specs)
        expect(file.info(s.name), s.name).toMatchObject({ shape: s.shape, dtype: 'BF16' });
      expect(file.metadata).toEqual({ format: 'pt' });
      await file.close();
    },
  );

  test('a 4-bit checkpoint stores bitsandbytes quant states and quantization_config', async () => {
    const { dir, config } = await writeTinyCheckpoint(fresh(), 'qwen2', {
      quantize: { quantType: 'nf4', doubleQuant: true },
    });
    const file = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    const q = 'model.layers.0.self_attn.q_proj.weight';
    expect(file.info(q)).toMatchObject({ dtype: 'U8', shape: [512, 1] });
    for (const suffix of [
      'absmax',
      'quant_map',
      'nested_absmax',
      'nested_quant_map',
      'quant_state.bitsandbytes__nf4',
    ])
      expect(file.has(`${q}.${suffix}`), suffix).toBe(true);
    expect(file.info('model.layers.0.self_attn.q_proj.bias').dtype).toBe('F32');
    await file.close();
    expect(config.quantization_config).toMatchObject({
      quant_method: 'bitsandbytes',
      load_in_4bit: true,
      bnb_4bit_quant_type: 'nf4',
      bnb_4bit_use_double_quant: true,
    });
  });
});

describeWithFixtures('writeTinyCheckpoint config.json follows the real schemas', () => {
  const json = (...p: string[]) =>
    JSON.parse(readFileSync(sharedFixture(...p), 'utf8')) as Record<string, unknown>;
  const preset = (key: string) =>
    (json('configs', 'mlc-llm-model-presets.json') as Record<string, Record<string, unknown>>)[key]!;
  test.each([
    { arch: 'llama' as const, real: () => preset('llama3_2_1b') },
    {
      arch: 'qwen2' as const,
      real: () => json('qwen2.5-instruct', 'config.qwen2.5-0.5b-instruct.resaved-4.49.json'),
    },
    { arch: 'gpt2' as const, real: () => json('gpt2', 'config.json') },
    { arch: 'gemma' as const, real: () => preset('gemma_2b') },
  ])('$arch has every key of the real config, with the same JSON types', async ({ arch, real }) => {
    const { config } = await writeTinyCheckpoint(fresh(), arch);
    const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
    for (const [key, value] of Object.entries(real())) {
      if (key === '_name_or_path' || key === 'task_specific_params') continue;
      expect(config, key).toHaveProperty(key);
      if (value !== null && config[key] !== null && key !== 'eos_token_id' && key !== 'rope_scaling')
        expect(kind(config[key]), key).toBe(kind(value));
    }
  });
});
