import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile, writeSafetensors } from '@lora/safetensors';
import { expectClose, hostF32, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type LoraConfig, loraConfig } from './config.js';
import { AdapterMismatchError, MlxFormatError } from './errors.js';
import { injectLora } from './lora-model.js';
import { loadMlxAdapter, saveMlxAdapter } from './mlx.js';
import { randomWeights } from './toy-linears.test-support.js';
import { type ToyArch, ToyModel } from './toy-model.test-support.js';

const dims = { layers: 2, hidden: 8, ffn: 12, vocab: 10 };
const x = randomWeights(5 * dims.hidden, makeRng(7).next, 2);
let dir: string;

function toy(arch: ToyArch = 'llama'): ToyModel {
  const rng = makeRng(1);
  return new ToyModel(arch, dims, (_n, out, inF, bias) => ({
    weight: randomWeights(out * inF, rng.next, 0.5),
    ...(bias ? { bias: randomWeights(out, rng.next, 0.2) } : {}),
  }));
}
const logits = (m: ToyModel) => hostF32(m.forward(x, 5, { training: false }).logits);
const config = (extra: Partial<LoraConfig> = {}) =>
  loraConfig({
    r: 4,
    lora_alpha: 8,
    target_modules: ['q_proj', 'up_proj'],
    init_lora_weights: false,
    ...extra,
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peft-mlx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mlx-lm format', () => {
  test("export writes transposed lora_a (in, R) / lora_b (R, out) and mlx-lm's config; reading it back gives the same model", async () => {
    const model = toy();
    const lm = injectLora(model, config({ lora_dropout: 0.05 }), { seed: 2 });
    const out = join(dir, 'lora');
    await saveMlxAdapter(out, lm);
    const file = await SafetensorsFile.open(join(out, 'adapters.safetensors'));
    expect(file.metadata).toEqual({ format: 'mlx' });
    expect(file.tensorNames().sort()).toEqual(
      [0, 1]
        .flatMap((i) =>
          ['mlp.up_proj', 'self_attn.q_proj'].flatMap((m) => [
            `model.layers.${i}.${m}.lora_a`,
            `model.layers.${i}.${m}.lora_b`,
          ]),
        )
        .sort(),
    );
    expect(file.info('model.layers.1.mlp.up_proj.lora_a').shape).toEqual([8, 4]);
    expect(file.info('model.layers.1.mlp.up_proj.lora_b').shape).toEqual([4, 12]);
    const a = await file.readF32('model.layers.1.mlp.up_proj.lora_a');
    const A = hostF32(lm.layers.get('model.layers.1.mlp.up_proj')!.loraA.data); // (R, in)
    expect(a[3 * 4 + 2]).toBe(A[2 * 8 + 3]); // lora_a[i=3, r=2] = A[r=2, i=3]
    await file.close();
    const text = await readFile(join(out, 'adapter_config.json'), 'utf8');
    expect(text).toContain('\n    "fine_tune_type": "lora",\n');
    expect(JSON.parse(text)).toEqual({
      fine_tune_type: 'lora',
      num_layers: 2,
      lora_parameters: { rank: 4, scale: 2, dropout: 0.05, keys: ['mlp.up_proj', 'self_attn.q_proj'] },
    });
    expect(text).toContain('"scale": 2.0');
    const fresh = toy();
    const back = await loadMlxAdapter(out, fresh);
    expect(logits(fresh)).toEqual(logits(model));
    expect(back.config.r).toBe(4);
    expect([...back.layers.values()].every((l) => l.scaling === 2 && l.dropout === 0.05)).toBe(true);
  });

  test('GPT-2 names become mlx-lm\'s ("transformer." → "model."), the last layers only, and DoRA\'s m', async () => {
    const model = toy('gpt2');
    const lm = injectLora(
      model,
      config({
        target_modules: ['c_attn'],
        layers_to_transform: [1],
        use_dora: true,
        base_model_name_or_path: 'gpt2',
      }),
      { seed: 2 },
    );
    const out = join(dir, 'gpt2');
    await saveMlxAdapter(out, lm);
    const file = await SafetensorsFile.open(join(out, 'adapters.safetensors'));
    expect(file.tensorNames().sort()).toEqual([
      'model.h.1.attn.c_attn.lora_a',
      'model.h.1.attn.c_attn.lora_b',
      'model.h.1.attn.c_attn.m',
    ]);
    await file.close();
    expect(JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8'))).toMatchObject({
      fine_tune_type: 'dora',
      num_layers: 1,
      model: 'gpt2',
      lora_parameters: { keys: ['attn.c_attn'] },
    });
    const fresh = toy('gpt2');
    await loadMlxAdapter(out, fresh);
    expectClose(logits(fresh), logits(model), { rtol: 0, atol: 0 }, 'gpt2 dora logits');
  });

  test('reads an adapter as mlx-lm writes it: num_layers -1 means every layer', async () => {
    const out = join(dir, 'handwritten');
    const rng = makeRng(5);
    const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
    for (const i of [0, 1]) {
      tensors[`model.layers.${i}.self_attn.q_proj.lora_a`] = {
        dtype: 'F32',
        shape: [8, 2],
        data: randomWeights(16, rng.next),
      };
      tensors[`model.layers.${i}.self_attn.q_proj.lora_b`] = {
        dtype: 'F32',
        shape: [2, 8],
        data: randomWeights(16, rng.next),
      };
    }
    await mkdir(out, { recursive: true });
    await writeSafetensors(join(out, 'adapters.safetensors'), tensors, { format: 'mlx' });
    await writeFile(
      join(out, 'adapter_config.json'),
      JSON.stringify({
        fine_tune_type: 'lora',
        num_layers: -1,
        lora_parameters: { rank: 2, scale: 20.0, dropout: 0.0, keys: ['self_attn.q_proj'] },
      }),
    );
    const model = toy();
    const lm = await loadMlxAdapter(out, model);
    const layer = lm.layers.get('model.layers.1.self_attn.q_proj')!;
    expect(layer.scaling).toBe(20);
    const xs = x.subarray(0, 8);
    const base = hostF32(layer.base.forward(xs, 1, { training: false }).out);
    const y = hostF32(layer.forward(xs, 1, { training: false }).out);
    const a = tensors['model.layers.1.self_attn.q_proj.lora_a']!.data;
    const b = tensors['model.layers.1.self_attn.q_proj.lora_b']!.data;
    const z = Array.from({ length: 8 }, (_, o) =>
      [0, 1].reduce((s, k) => s + xs.reduce((t, v, i) => t + v * a[i * 2 + k]!, 0) * b[k * 8 + o]!, 0),
    );
    expectClose(
      y,
      base.map((v, o) => v + 20 * z[o]!),
      { rtol: 1e-5, atol: 1e-5 },
      'mlx-lm LoRALinear: y + scale·(x·lora_a)·lora_b',
    );
  });

  test.each<[string, Partial<LoraConfig>, RegExp]>([
    ['per-module ranks', { rank_pattern: { up_proj: 2 } }, /one rank for every module expected/],
    ['trained biases', { bias: 'all' }, /bias expected "none"/],
    ['modules_to_save', { modules_to_save: ['lm_head'] }, /modules_to_save expected none/],
    [
      'a layer that is not among the last',
      { layers_to_transform: [0] },
      /the adapted layers expected to be the last 1 of 2/,
    ],
    [
      'different modules per layer',
      { target_modules: ['layers.0.self_attn.q_proj', 'layers.1.mlp.up_proj'] },
      /the same modules in every adapted layer/,
    ],
  ])('export refuses %s', async (_what, extra, message) => {
    const lm = injectLora(toy(), config(extra));
    await expect(saveMlxAdapter(join(dir, 'refused'), lm)).rejects.toThrowError(MlxFormatError);
    await expect(saveMlxAdapter(join(dir, 'refused'), lm)).rejects.toThrowError(message);
  });

  test('reading checks keys against the model and shapes against the rank', async () => {
    const out = join(dir, 'bad');
    await saveMlxAdapter(out, injectLora(toy(), config()));
    const cfg = JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8'));
    await writeFile(
      join(out, 'adapter_config.json'),
      JSON.stringify({ ...cfg, lora_parameters: { ...cfg.lora_parameters, keys: ['self_attn.k_proj'] } }),
    );
    await expect(loadMlxAdapter(out, toy())).rejects.toThrowError(
      /keys expected to name linears of this model, got self_attn.k_proj/,
    );
    await writeFile(
      join(out, 'adapter_config.json'),
      JSON.stringify({ ...cfg, lora_parameters: { ...cfg.lora_parameters, rank: 8 } }),
    );
    const error = await loadMlxAdapter(out, toy()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterMismatchError);
    expect((error as AdapterMismatchError).ofKind('wrong-rank')).toHaveLength(8);
    await writeFile(join(out, 'adapter_config.json'), JSON.stringify({ ...cfg, fine_tune_type: 'full' }));
    await expect(loadMlxAdapter(out, toy())).rejects.toThrowError(
      /fine_tune_type expected "lora" or "dora", got "full"/,
    );
  });
});
