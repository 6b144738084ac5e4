import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpoint, SafetensorsFile, serializeSafetensors } from '@lora/safetensors';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tensorSpecs } from './architectures/index.js';
import { ARCHITECTURES, parseModelConfig } from './config.js';
import { ModelConfigError } from './errors.js';
import { tinyCheckpointTensors, writeTinyCheckpoint } from './tiny-checkpoint.js';

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

  test.each(ARCHITECTURES)('%s: the file holds exactly the tensors the architecture names', async (arch) => {
    const { dir, config } = await writeTinyCheckpoint(fresh(), arch, { dtype: 'bfloat16' });
    const file = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    const specs = tensorSpecs(parseModelConfig(config));
    expect(file.tensorNames().sort()).toEqual(specs.map((s) => s.name).sort());
    for (const s of specs) expect(file.info(s.name), s.name).toMatchObject({ shape: s.shape, dtype: 'BF16' });
    expect(file.metadata).toEqual({ format: 'pt' });
    await file.close();
  });

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

describe('tinyCheckpointTensors: one generator, the file is its serialization', () => {
  test.each([
    { arch: 'llama' as const, options: { seed: 3 } },
    { arch: 'qwen2' as const, options: { seed: 1, overrides: { hidden_size: 64, vocab_size: 200 } } },
    { arch: 'gpt2' as const, options: { seed: 5, legacyGpt2Names: true } },
    { arch: 'gemma' as const, options: { seed: 6, dtype: 'bfloat16' as const } },
    { arch: 'llama' as const, options: { seed: 7, dtype: 'float16' as const } },
    {
      arch: 'qwen2' as const,
      options: { seed: 8, quantize: { quantType: 'nf4' as const, doubleQuant: true } },
    },
  ])(
    '$arch $options: model.safetensors is byte for byte the in-memory tensors serialized',
    async ({ arch, options }) => {
      const mem = tinyCheckpointTensors(arch, options);
      const { dir, config } = await writeTinyCheckpoint(fresh(), arch, options);
      const onDisk = await readFile(join(dir, 'model.safetensors'));
      const serialized = serializeSafetensors(mem.tensors, { format: 'pt' });
      expect(serialized.length).toBe(onDisk.length);
      expect(Buffer.from(serialized).equals(onDisk)).toBe(true);
      expect(mem.config).toEqual(config);
      expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))).toEqual(mem.config);
      expect(mem.modelConfig).toEqual(parseModelConfig(mem.config, join(dir, 'config.json')));
    },
  );

  test('a sharded write holds the same bytes for every tensor', async () => {
    const mem = tinyCheckpointTensors('qwen2', { seed: 9 });
    const { dir, files } = await writeTinyCheckpoint(fresh(), 'qwen2', { seed: 9, maxShardBytes: 20_000 });
    expect(files.length).toBeGreaterThan(2);
    const ckpt = await openCheckpoint(dir);
    expect(ckpt.tensorNames().sort()).toEqual(Object.keys(mem.tensors).sort());
    for (const [name, t] of Object.entries(mem.tensors)) {
      const raw = await ckpt.readRaw(name);
      expect(
        Buffer.from(raw).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
        name,
      ).toBe(true);
    }
    await ckpt.close();
  });

  test('the same seed gives the same tensors; another seed, other values', () => {
    const a = tinyCheckpointTensors('gemma', { seed: 4 }).tensors;
    const b = tinyCheckpointTensors('gemma', { seed: 4 }).tensors;
    const c = tinyCheckpointTensors('gemma', { seed: 5 }).tensors;
    const name = 'model.embed_tokens.weight';
    expect(b[name]!.data).toEqual(a[name]!.data);
    expect(c[name]!.data).not.toEqual(a[name]!.data);
  });

  test('an override that makes the config invalid fails naming the source', () => {
    expect(() =>
      tinyCheckpointTensors('llama', { overrides: { hidden_size: 'wide' } }, 'demo config.json'),
    ).toThrow(ModelConfigError);
    expect(() =>
      tinyCheckpointTensors('llama', { overrides: { hidden_size: 'wide' } }, 'demo config.json'),
    ).toThrow(/demo config\.json/);
  });
});

describeWithFixtures('writeTinyCheckpoint config.json follows the real schemas', () => {
  const json = (...p: string[]) =>
    JSON.parse(readFileSync(sharedFixture(...p), 'utf8')) as Record<string, unknown>;
  const preset = (key: string) =>
    (json('configs', 'mlc-llm-model-presets.json') as Record<string, Record<string, unknown>>)[key]!;
  /** configs kept beside the goldens (fixtures/configs/PROVENANCE.md) */
  const local = (file: string) =>
    JSON.parse(readFileSync(new URL(`../fixtures/configs/${file}`, import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >;
  test.each([
    { arch: 'llama' as const, real: () => preset('llama3_2_1b') },
    {
      arch: 'qwen2' as const,
      real: () => json('qwen2.5-instruct', 'config.qwen2.5-0.5b-instruct.resaved-4.49.json'),
    },
    { arch: 'gpt2' as const, real: () => json('gpt2', 'config.json') },
    { arch: 'gemma' as const, real: () => preset('gemma_2b') },
    { arch: 'mistral' as const, real: () => local('mistral-7b-v0.3.json') },
    { arch: 'phi3' as const, real: () => local('phi-3-mini-4k-instruct.json') },
    { arch: 'gemma2' as const, real: () => preset('gemma2_2b') },
  ])('$arch has every key of the real config, with the same JSON types', async ({ arch, real }) => {
    const { config } = await writeTinyCheckpoint(fresh(), arch);
    const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
    for (const [key, value] of Object.entries(real())) {
      if (key === '_name_or_path' || key === 'task_specific_params' || key === 'auto_map') continue;
      expect(config, key).toHaveProperty(key);
      if (value !== null && config[key] !== null && key !== 'eos_token_id' && key !== 'rope_scaling')
        expect(kind(config[key]), key).toBe(kind(value));
    }
  });
});
