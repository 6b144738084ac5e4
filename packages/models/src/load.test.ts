import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '@lora/core';
import { dequantize4bit, Nf4Linear, quantize4bit } from '@lora/quant-nf4';
import { SafetensorsFile, writeSafetensors } from '@lora/safetensors';
import { expectClose } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CausalLM } from './causal-lm.js';
import { DenseLinear } from './dense-linear.js';
import { ModelConfigError, ModelLoadError } from './errors.js';
import { ARCHS, host } from './test-support.test-support.js';
import { writeTinyCheckpoint } from './tiny-checkpoint.js';

let root: string;
let n = 0;
const fresh = () => join(root, `m${n++}`);
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lora-models-load-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const ids = Int32Array.from([5, 17, 99, 3, 64, 2, 8, 120]);
const logitsOf = (m: CausalLM) => m.logits(ids, 2, 4);

describe('CausalLM.load', () => {
  test('a sharded checkpoint loads to the same model as a single file', async () => {
    const single = await writeTinyCheckpoint(fresh(), 'qwen2', { seed: 3 });
    const sharded = await writeTinyCheckpoint(fresh(), 'qwen2', { seed: 3, maxShardBytes: 20_000 });
    expect(sharded.files.at(-1)).toBe('model.safetensors.index.json');
    expect(sharded.files.length).toBeGreaterThan(3);
    expect(Array.from(await logitsOf(await CausalLM.load(sharded.dir)))).toEqual(
      Array.from(await logitsOf(await CausalLM.load(single.dir))),
    );
  });

  test.each([
    { dtype: 'bfloat16' as const, round: (x: Float32Array) => bf16ToF32(f32ToBf16(x)) },
    { dtype: 'float16' as const, round: (x: Float32Array) => f16ToF32(f32ToF16(x)) },
  ])('a $dtype checkpoint holds the rounded float32 weights, read back exactly', async ({ dtype, round }) => {
    const f32 = await (
      await CausalLM.load((await writeTinyCheckpoint(fresh(), 'gemma', { seed: 4 })).dir)
    ).exportWeights();
    const half = await (
      await CausalLM.load((await writeTinyCheckpoint(fresh(), 'gemma', { seed: 4, dtype })).dir)
    ).exportWeights();
    for (const [name, t] of f32)
      expect(Array.from(half.get(name)!.data), name).toEqual(Array.from(round(t.data)));
  });

  test('GPT-2 tensors without the "transformer." prefix (and attn.bias buffers) load as the prefixed ones', async () => {
    const legacy = await writeTinyCheckpoint(fresh(), 'gpt2', { seed: 5, legacyGpt2Names: true });
    const file = await SafetensorsFile.open(join(legacy.dir, 'model.safetensors'));
    expect(file.has('wte.weight') && file.has('h.0.attn.bias') && !file.has('transformer.wte.weight')).toBe(
      true,
    );
    await file.close();
    const modern = await writeTinyCheckpoint(fresh(), 'gpt2', { seed: 5 });
    expect(Array.from(await logitsOf(await CausalLM.load(legacy.dir)))).toEqual(
      Array.from(await logitsOf(await CausalLM.load(modern.dir))),
    );
  });
});

describe.each(ARCHS)('%s in 4 bits', (arch) => {
  test('a bitsandbytes nf4 checkpoint loads its linears as Nf4Linear, computing with the dequantized weights', async () => {
    const { dir } = await writeTinyCheckpoint(fresh(), arch, {
      seed: 6,
      quantize: { quantType: 'nf4', doubleQuant: true },
    });
    const q = await CausalLM.load(dir);
    expect([...q.linearModules().values()].every((l) => l instanceof Nf4Linear)).toBe(true);
    const exported = await q.exportWeights();
    const dense = CausalLM.fromWeights(q.config, (name) => exported.get(name)?.data);
    expectClose(await logitsOf(q), await logitsOf(dense), { rtol: 1e-6, atol: 1e-6 }, 'logits');
    const batch = { inputIds: ids, labels: ids, batch: 2, seqLen: 4 };
    const norms = (name: string) => name.includes('norm') || name.includes('ln_');
    for (const m of [q, dense]) m.setTrainable(norms);
    await q.step(batch, { training: true, backward: true });
    await dense.step(batch, { training: true, backward: true });
    const denseGrads = new Map(dense.parameters().map((p) => [p.name, p.grad]));
    for (const p of q.parameters().filter((x) => x.trainable))
      expectClose(host(p.grad!), host(denseGrads.get(p.name)!), { rtol: 1e-5, atol: 1e-7 }, p.name);
  });

  test('quantize on load: linears become 4-bit (minus the skipped ones), embeddings and lm_head stay dense', async () => {
    const { dir } = await writeTinyCheckpoint(fresh(), arch, { seed: 7 });
    const dense = await CausalLM.load(dir);
    const q = await CausalLM.load(dir, {
      quantize: { quantType: 'fp4', doubleQuant: false, blocksize: 32, skip: ['mlp'] },
    });
    for (const [name, linear] of q.linearModules()) {
      const original = host(dense.linearModules().get(name)!.denseWeight!().weight);
      if (name.includes('mlp')) {
        expect(linear, name).toBeInstanceOf(DenseLinear);
        continue;
      }
      expect(linear, name).toBeInstanceOf(Nf4Linear);
      const expected = dequantize4bit(
        quantize4bit(original, [linear.outFeatures, linear.inFeatures], { quantType: 'fp4', blocksize: 32 }),
      );
      expect(Array.from(host(linear.denseWeight!().weight)), name).toEqual(Array.from(expected));
    }
    const embed = arch === 'gpt2' ? 'transformer.wte.weight' : 'model.embed_tokens.weight';
    expect((await q.exportWeights()).get(embed)!.data).toEqual(
      (await dense.exportWeights()).get(embed)!.data,
    );
  });
});

/** Rewrite `dir`'s model.safetensors with `edit` applied to tensor `name` (values read as F32, written as `dtype`). */
async function corrupt(
  dir: string,
  name: string,
  edit: (data: Float32Array) => void,
  dtype: 'F32' | 'F16' | 'BF16' = 'F32',
): Promise<string> {
  const path = join(dir, 'model.safetensors');
  const file = await SafetensorsFile.open(path);
  const all: Record<
    string,
    { dtype: 'F32' | 'F16' | 'BF16' | 'U8'; shape: number[]; data: Float32Array | Uint8Array }
  > = {};
  for (const key of file.tensorNames()) {
    const info = file.info(key);
    if (info.dtype === 'U8') all[key] = { dtype: 'U8', shape: info.shape, data: await file.readRaw(key) };
    else {
      const data = await file.readF32(key);
      if (key === name) edit(data);
      all[key] = { dtype: info.dtype === 'F32' ? 'F32' : dtype, shape: info.shape, data };
    }
  }
  await file.close();
  await writeSafetensors(path, all, { format: 'pt' });
  return path;
}

describe('non-finite base weights are refused at load, naming the file and the tensor', () => {
  test.each([
    {
      label: 'a NaN in an F32 linear',
      arch: 'llama',
      name: 'model.layers.1.mlp.up_proj.weight',
      at: [5, 9],
      value: Number.NaN,
      dtype: 'F32',
    },
    {
      label: 'an Inf in the embedding',
      arch: 'qwen2',
      name: 'model.embed_tokens.weight',
      at: [0],
      value: Number.POSITIVE_INFINITY,
      dtype: 'F32',
    },
    {
      label: 'a -Inf in a BF16 norm',
      arch: 'gemma',
      name: 'model.norm.weight',
      at: [31],
      value: Number.NEGATIVE_INFINITY,
      dtype: 'BF16',
    },
    {
      label: 'a NaN in a GPT-2 Conv1D weight (F16)',
      arch: 'gpt2',
      name: 'transformer.h.0.attn.c_attn.weight',
      at: [7],
      value: Number.NaN,
      dtype: 'F16',
    },
  ] as const)('$label', async ({ arch, name, at, value, dtype }) => {
    const { dir } = await writeTinyCheckpoint(fresh(), arch, { seed: 13 });
    const path = await corrupt(
      dir,
      name,
      (d) => {
        for (const i of at) d[i] = value;
      },
      dtype,
    );
    const message = `${path}: tensor "${name}": expected finite values, got ${at.length} non-finite of`;
    for (const options of [{}, { quantize: { quantType: 'nf4', doubleQuant: true } } as const]) {
      await expect(CausalLM.load(dir, options)).rejects.toThrow(ModelLoadError);
      await expect(CausalLM.load(dir, options)).rejects.toThrow(message);
      await expect(CausalLM.load(dir, options)).rejects.toThrow(`(first: element ${at[0]} is ${value})`);
    }
  });

  test('a NaN absmax of a 4-bit checkpoint is refused too', async () => {
    const { dir } = await writeTinyCheckpoint(fresh(), 'llama', {
      seed: 14,
      quantize: { quantType: 'nf4', doubleQuant: false },
    });
    const key = 'model.layers.0.self_attn.q_proj.weight.absmax';
    const path = await corrupt(dir, key, (d) => (d[2] = Number.NaN));
    await expect(CausalLM.load(dir)).rejects.toThrow(
      `${path}: tensor "${key}": expected finite values, got 1 non-finite of`,
    );
  });

  test('fromWeights refuses them as well, naming its source', async () => {
    const m = await CausalLM.load((await writeTinyCheckpoint(fresh(), 'qwen2', { seed: 15 })).dir);
    const w = await m.exportWeights();
    const bad = Float32Array.from(w.get('model.norm.weight')!.data);
    bad[3] = Number.NaN;
    expect(() =>
      CausalLM.fromWeights(m.config, (name) => (name === 'model.norm.weight' ? bad : w.get(name)?.data), {
        source: 'upload',
      }),
    ).toThrow(
      'upload: tensor "model.norm.weight": expected finite values, got 1 non-finite of 32 (first: element 3 is NaN)',
    );
  });
});

describe('load errors name the file and the tensor or key', () => {
  test('a missing tensor', async () => {
    const { dir } = await writeTinyCheckpoint(fresh(), 'llama', { seed: 8 });
    const path = join(dir, 'model.safetensors');
    const file = await SafetensorsFile.open(path);
    const kept: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
    for (const name of file.tensorNames())
      if (name !== 'model.layers.1.mlp.up_proj.weight')
        kept[name] = { dtype: 'F32', shape: file.info(name).shape, data: await file.readF32(name) };
    await file.close();
    await writeSafetensors(path, kept, { format: 'pt' });
    await expect(CausalLM.load(dir)).rejects.toThrow(ModelLoadError);
    await expect(CausalLM.load(dir)).rejects.toThrow(
      `${path}: missing tensor "model.layers.1.mlp.up_proj.weight" (expected shape [64, 32])`,
    );
  });

  test('a shape mismatch names the tensor, the expected and the stored shape', async () => {
    const { dir, config } = await writeTinyCheckpoint(fresh(), 'qwen2', { seed: 9 });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, intermediate_size: 48 }));
    await expect(CausalLM.load(dir)).rejects.toThrow(
      `${join(dir, 'model.safetensors')}: tensor "model.layers.0.mlp.gate_proj.weight": shape expected [48, 32], got [64, 32]`,
    );
  });

  test.each([
    {
      label: 'unknown model_type',
      edit: { model_type: 'falcon' },
      error: ModelConfigError,
      message:
        'config.json: model_type expected one of "llama", "qwen2", "gpt2", "gemma", "mistral", "phi3", "gemma2", got "falcon"',
    },
    {
      label: 'unsupported rope_scaling',
      edit: { rope_scaling: { rope_type: 'yarn', factor: 4 } },
      error: ModelConfigError,
      message: 'config.json: rope_scaling.rope_type expected',
    },
    {
      label: 'heads not dividing hidden',
      edit: { num_attention_heads: 5, head_dim: undefined },
      error: ModelConfigError,
      message: 'config.json: num_attention_heads expected a divisor of hidden_size 32',
    },
    {
      label: 'an 8-bit quantization_config',
      edit: { quantization_config: { quant_method: 'bitsandbytes', load_in_8bit: true } },
      error: ModelConfigError,
      message: 'only 4-bit bitsandbytes checkpoints are supported',
    },
  ])('$label', async ({ edit, error, message }) => {
    const { dir, config } = await writeTinyCheckpoint(fresh(), 'llama', { seed: 10 });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, ...edit }));
    await expect(CausalLM.load(dir)).rejects.toThrow(error);
    await expect(CausalLM.load(dir)).rejects.toThrow(message);
  });

  test('unreadable config.json, invalid JSON and a missing safetensors file', async () => {
    const dir = fresh();
    await expect(CausalLM.load(dir)).rejects.toThrow(
      `${join(dir, 'config.json')}: cannot read the model config`,
    );
    const tiny = await writeTinyCheckpoint(fresh(), 'gpt2', { seed: 11 });
    await rm(join(tiny.dir, 'model.safetensors'));
    await expect(CausalLM.load(tiny.dir)).rejects.toThrow(ModelLoadError);
    await expect(CausalLM.load(tiny.dir)).rejects.toThrow(
      `${tiny.dir}: cannot open the safetensors checkpoint`,
    );
    await writeFile(join(tiny.dir, 'config.json'), '{"model_type": ');
    await expect(CausalLM.load(tiny.dir)).rejects.toThrow(ModelConfigError);
    await expect(CausalLM.load(tiny.dir)).rejects.toThrow(`${join(tiny.dir, 'config.json')}: expected JSON`);
  });

  test('fromWeights names a missing tensor and a wrong element count', async () => {
    const { dir } = await writeTinyCheckpoint(fresh(), 'gemma', { seed: 12 });
    const m = await CausalLM.load(dir);
    const w = await m.exportWeights();
    expect(() =>
      CausalLM.fromWeights(m.config, (name) =>
        name === 'model.norm.weight' ? undefined : w.get(name)?.data,
      ),
    ).toThrow('fromWeights: missing tensor "model.norm.weight" (shape [32])');
    expect(() =>
      CausalLM.fromWeights(
        m.config,
        (name) => (name === 'model.norm.weight' ? new Float32Array(3) : w.get(name)?.data),
        { source: 'mine' },
      ),
    ).toThrow('mine: tensor "model.norm.weight" expected 32 values for shape [32], got 3');
    const raw = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(m.config.raw).toEqual(raw);
  });
});
