import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile, type TensorInputs, writeSafetensors } from '@lora/safetensors';
import { hostF32, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type LoraConfig, loraConfig } from './config.js';
import { adapterConfigJson, writeAdapterConfig } from './config-json.js';
import {
  AdapterFormatError,
  AdapterMismatchError,
  type AdapterProblemKind,
  TargetModulesError,
} from './errors.js';
import { LoraLinear } from './lora-linear.js';
import { injectLora } from './lora-model.js';
import { adapterStateDict, loadAdapter, saveAdapter } from './save-load.js';
import { randomWeights } from './toy-linears.test-support.js';
import { ToyModel } from './toy-model.test-support.js';

const dims = { layers: 2, hidden: 8, ffn: 12, vocab: 10 };
const x = randomWeights(5 * dims.hidden, makeRng(7).next, 2);
let dir: string;

function toy(): ToyModel {
  const rng = makeRng(1);
  return new ToyModel('llama', dims, (_n, out, inF, bias) => ({
    weight: randomWeights(out * inF, rng.next, 0.5),
    ...(bias ? { bias: randomWeights(out, rng.next, 0.2) } : {}),
  }));
}

const config = (extra: Partial<LoraConfig> = {}) =>
  loraConfig({
    r: 4,
    lora_alpha: 8,
    target_modules: ['q_proj', 'down_proj'],
    init_lora_weights: false,
    base_model_name_or_path: 'toy',
    ...extra,
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peft-save-load-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveAdapter / loadAdapter', () => {
  test('save → load into a fresh model gives identical outputs', async () => {
    const model = toy();
    const lm = injectLora(model, config({ use_dora: true, bias: 'all' }), { seed: 3 });
    for (const p of lm.extraTrainable.values()) {
      const data = hostF32(p.data);
      for (let k = 0; k < data.length; k++) data[k]! += 0.01 * k; // "trained" biases
    }
    const out = join(dir, 'round-trip');
    await saveAdapter(out, lm);
    const fresh = toy();
    const loaded = await loadAdapter(out, fresh);
    expect(hostF32(fresh.forward(x, 5, { training: false }).logits)).toEqual(
      hostF32(model.forward(x, 5, { training: false }).logits),
    );
    expect(loaded.config.use_dora).toBe(true);
    expect(loaded.trainableParameters()).toHaveLength(0); // PEFT's from_pretrained default is_trainable=False
  });

  test('writes PEFT\'s two files: the exact config text and safetensors with {"format": "pt"}', async () => {
    const lm = injectLora(toy(), config(), { seed: 3 });
    const out = join(dir, 'files');
    await saveAdapter(out, lm, { baseModelNameOrPath: 'Qwen/Qwen2.5-0.5B' });
    expect((await readdir(out)).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']); // no temp files left
    const text = await readFile(join(out, 'adapter_config.json'), 'utf8');
    expect(text).toBe(adapterConfigJson({ ...lm.config, base_model_name_or_path: 'Qwen/Qwen2.5-0.5B' }));
    expect(JSON.parse(text)).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      inference_mode: true,
      base_model_name_or_path: 'Qwen/Qwen2.5-0.5B',
    });
    const file = await SafetensorsFile.open(join(out, 'adapter_model.safetensors'));
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(file.tensorNames().sort()).toEqual([...adapterStateDict(lm).keys()].sort());
    expect(file.info('base_model.model.model.layers.1.mlp.down_proj.lora_A.weight')).toMatchObject({
      dtype: 'F32',
      shape: [4, 12],
    });
    expect(file.info('base_model.model.model.layers.1.mlp.down_proj.lora_B.weight')).toMatchObject({
      dtype: 'F32',
      shape: [8, 4],
    });
    await file.close();
  });

  test('isTrainable loads the adapter for further training', async () => {
    const out = join(dir, 'trainable');
    await saveAdapter(out, injectLora(toy(), config()));
    expect((await loadAdapter(out, toy(), { isTrainable: true })).trainableParameters()).toHaveLength(8);
  });
});

describe('a bad adapter gives its named error and leaves the model untouched', () => {
  /** Writes an adapter whose tensors are the good ones edited by `edit`, with `cfg` as its config. */
  async function badAdapter(
    name: string,
    edit: (t: Record<string, TensorInputs[string]>) => void,
    cfg: LoraConfig = config(),
  ): Promise<string> {
    const out = join(dir, name);
    await saveAdapter(out, injectLora(toy(), config()));
    const file = await SafetensorsFile.open(join(out, 'adapter_model.safetensors'));
    const tensors: Record<string, TensorInputs[string]> = {};
    for (const n of file.tensorNames())
      tensors[n] = { dtype: 'F32', shape: file.info(n).shape, data: await file.readF32(n) };
    await file.close();
    edit(tensors);
    await writeSafetensors(join(out, 'adapter_model.safetensors'), tensors, { format: 'pt' });
    await writeAdapterConfig(join(out, 'adapter_config.json'), cfg);
    return out;
  }
  const A = (m: string) => `base_model.model.model.layers.${m}.lora_A.weight`;
  const B = (m: string) => `base_model.model.model.layers.${m}.lora_B.weight`;
  const f32 = (shape: number[]) => ({
    dtype: 'F32' as const,
    shape,
    data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
  });

  test.each<
    [
      string,
      (t: Record<string, TensorInputs[string]>) => void,
      LoraConfig | undefined,
      AdapterProblemKind,
      RegExp,
    ]
  >([
    [
      'wrong rank',
      () => undefined,
      config({ r: 8 }),
      'wrong-rank',
      /expected rank 8 \(shape \[8, (8|12)\]\), got rank 4 \(shape \[4, (8|12)\]\)/,
    ],
    [
      'module not in this model',
      (t) => (t[A('0.self_attn.qq_proj')] = f32([4, 8])),
      undefined,
      'unknown-module',
      /"model\.layers\.0\.self_attn\.qq_proj" which it does not have/,
    ],
    [
      'layer index out of range',
      (t) => (t[A('7.self_attn.q_proj')] = f32([4, 8])),
      undefined,
      'layer-out-of-range',
      /layer index 7, but the model has 2 layers/,
    ],
    [
      'missing keys',
      (t) => delete t[B('1.mlp.down_proj')],
      undefined,
      'missing-key',
      /expected a lora_B tensor of shape \[8, 4\], got none/,
    ],
    [
      'a linear the config does not select',
      (t) => (t[A('0.self_attn.o_proj')] = f32([4, 8])),
      undefined,
      'unexpected-key',
      /o_proj is a linear of this model, but the adapter config does not select it/,
    ],
    [
      'wrong shape',
      (t) => (t[A('0.mlp.down_proj')] = f32([4, 8])),
      undefined,
      'wrong-shape',
      /expected shape \[4, 12\], got \[4, 8\]/,
    ],
    [
      'wrong dtype',
      (t) => (t[A('0.mlp.down_proj')] = { dtype: 'I32', shape: [4, 12], data: new Int32Array(48) }),
      undefined,
      'wrong-dtype',
      /expected F32, F16, BF16 or F64, got I32/,
    ],
  ])('%s', async (name, edit, cfg, kind, detail) => {
    const out = await badAdapter(name.replaceAll(' ', '-'), edit, cfg);
    const model = toy();
    const error = await loadAdapter(out, model).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterMismatchError);
    const problems = (error as AdapterMismatchError).ofKind(kind);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.detail).toMatch(detail);
    expect((error as Error).message).toContain(problems[0]!.key);
    expect([...model.linearModules().values()].some((m) => m instanceof LoraLinear)).toBe(false);
  });

  test.each<[string, (out: string) => Promise<unknown>, new (...args: never[]) => Error, RegExp]>([
    [
      'no adapter_config.json',
      (out) => rm(join(out, 'adapter_config.json')),
      AdapterFormatError,
      /cannot read the adapter config/,
    ],
    [
      'no weights',
      (out) => rm(join(out, 'adapter_model.safetensors')),
      AdapterFormatError,
      /expected the adapter weights, got no such file/,
    ],
    [
      'only a pickle',
      async (out) => {
        await rm(join(out, 'adapter_model.safetensors'));
        await writeFile(join(out, 'adapter_model.bin'), 'x');
      },
      AdapterFormatError,
      /adapter_model\.bin is a pickle/,
    ],
    [
      'corrupt weights',
      (out) => writeFile(join(out, 'adapter_model.safetensors'), 'not safetensors'),
      AdapterFormatError,
      /expected a safetensors file/,
    ],
    [
      'targets of another architecture',
      (out) => writeAdapterConfig(join(out, 'adapter_config.json'), config({ target_modules: ['c_attn'] })),
      TargetModulesError,
      /Target modules \["c_attn"\] not found/,
    ],
  ])('%s', async (name, spoil, type, message) => {
    const out = await badAdapter(name.replaceAll(' ', '-'), () => undefined);
    await spoil(out);
    const model = toy();
    const error = await loadAdapter(out, model).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expect([...model.linearModules().values()].some((m) => m instanceof LoraLinear)).toBe(false);
  });
  test.each([
    ['NaN', Number.NaN, [3]],
    ['Infinity', Number.POSITIVE_INFINITY, [0, 5]],
    ['-Infinity', Number.NEGATIVE_INFINITY, [31]],
  ])('a %s in an adapter tensor is refused by file and key', async (shown, value, at) => {
    const key = B('1.mlp.down_proj');
    const out = await badAdapter(`non-finite-${shown}`, (t) => {
      const data = Float32Array.from(t[key]!.data as Float32Array);
      for (const i of at) data[i] = value;
      t[key] = { dtype: 'F32', shape: t[key]!.shape, data };
    });
    const model = toy();
    const error = await loadAdapter(out, model).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterFormatError);
    expect((error as Error).message).toBe(
      `${join(out, 'adapter_model.safetensors')}: tensor "${key}": expected finite values, got ${at.length} non-finite of 32 (first: element ${at[0]} is ${shown})`,
    );
    expect([...model.linearModules().values()].some((m) => m instanceof LoraLinear)).toBe(false);
  });

  test('arguments of the wrong kind are named', async () => {
    await expect(loadAdapter(undefined as unknown as string, toy())).rejects.toThrow(
      new AdapterFormatError('loadAdapter: dir: expected an adapter folder path, got undefined'),
    );
    await expect(loadAdapter(dir, {} as ToyModel)).rejects.toThrow(
      new AdapterFormatError('loadAdapter: model: expected a model with linearModules(), got an object'),
    );
  });
});
