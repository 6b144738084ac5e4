import { type DeviceMemory, gradcheck, hostMemory, type LinearModule } from '@lora/core';
import { describe, expect, test } from 'vitest';
import { ModelInputError } from './errors.js';
import { ARCHS, asF64, host, microModel, stepStats64 } from './test-support.test-support.js';

// B 2, T 5: row 0 right-padded (3 real), row 1 left-padded (2 pads); the first real token of each row is a prompt.
const batch = {
  inputIds: Int32Array.from([3, 7, 1, 0, 0, 0, 0, 9, 2, 10]),
  labels: Int32Array.from([-100, 7, 1, -100, -100, -100, -100, -100, 2, 10]),
  attentionMask: Uint8Array.from([1, 1, 1, 0, 0, 0, 0, 1, 1, 1]),
  batch: 2,
  seqLen: 5,
};

describe.each(ARCHS)('CausalLM %s (micro, float64)', (arch) => {
  test('every parameter gradient of lossScale · lossSum matches finite differences (padded batch, checkpointing)', async () => {
    const model = microModel(arch);
    model.setTrainable(() => true);
    const lossScale = 0.5;
    const r = await model.step(batch, {
      training: true,
      backward: true,
      lossScale,
      gradientCheckpointing: true,
    });
    expect(r.tokens).toBe(4);
    const loss = () => lossScale * stepStats64(model, batch, { training: false, backward: false })[0]!;
    const params = model.parameters();
    gradcheck(
      loss,
      params.map((p) => ({ name: p.name, value: asF64(p.data), grad: host(p.grad!) })),
      { rtol: 1e-5, atol: 1e-8 },
    );
  });

  test('parameters carry Hugging Face names once each; setTrainable allocates and drops gradients', () => {
    const model = microModel(arch);
    const names = model.parameters().map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    const tied = !['llama', 'mistral', 'phi3'].includes(arch); // the micro configs' tie_word_embeddings
    expect(names.includes('lm_head.weight')).toBe(!tied);
    model.setTrainable((n) => n === 'model.norm.weight' || n === 'transformer.ln_f.weight');
    const trainable = model.parameters().filter((p) => p.trainable);
    expect(trainable.map((p) => p.name)).toEqual([
      arch === 'gpt2' ? 'transformer.ln_f.weight' : 'model.norm.weight',
    ]);
    expect(trainable[0]!.grad).toHaveLength(8);
    model.setTrainable(() => false);
    expect(model.parameters().every((p) => !p.trainable && p.grad === undefined)).toBe(true);
    const decays = new Map(model.parameters().map((p) => [p.name, p.decay]));
    expect(
      decays.get(arch === 'gpt2' ? 'transformer.h.0.ln_1.weight' : 'model.layers.0.input_layernorm.weight'),
    ).toBe(false);
    expect(
      decays.get(
        arch === 'gpt2'
          ? 'transformer.h.0.attn.c_attn.weight'
          : arch === 'phi3'
            ? 'model.layers.0.self_attn.qkv_proj.weight'
            : 'model.layers.0.self_attn.q_proj.weight',
      ),
    ).toBe(true);
  });

  test('linearModules() lists the Hugging Face module names; replaceLinear swaps one in and validates it', async () => {
    const model = microModel(arch);
    const linears = model.linearModules();
    const expected =
      arch === 'gpt2'
        ? ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'].map((n) => `transformer.h.1.${n}`)
        : arch === 'phi3'
          ? ['self_attn.qkv_proj', 'self_attn.o_proj', 'mlp.gate_up_proj', 'mlp.down_proj'].map(
              (n) => `model.layers.1.${n}`,
            )
          : [
              'self_attn.q_proj',
              'self_attn.k_proj',
              'self_attn.v_proj',
              'self_attn.o_proj',
              'mlp.gate_proj',
              'mlp.up_proj',
              'mlp.down_proj',
            ].map((n) => `model.layers.1.${n}`);
    expect([...linears.keys()].filter((n) => n.includes('.1.'))).toEqual(expected);
    const name = expected[3]!;
    const old = linears.get(name)!;
    const before = await model.logits(batch.inputIds, 2, 5, batch.attentionMask);
    const zero: LinearModule = {
      inFeatures: old.inFeatures,
      outFeatures: old.outFeatures,
      forward: (x, rows) => ({ out: new Float32Array(rows * old.outFeatures), cache: { x, rows } }),
      backward: (_dy, cache, acc) => acc ?? new Float32Array(cache.rows * old.inFeatures),
      parameters: () => [],
    };
    model.replaceLinear(name, zero);
    expect(model.linearModules().get(name)).toBe(zero);
    expect(await model.logits(batch.inputIds, 2, 5, batch.attentionMask)).not.toEqual(before);
    expect(model.parameters().some((p) => p.name.startsWith(`${name}.`))).toBe(false);
    expect(() => model.replaceLinear('model.nope', zero)).toThrow(ModelInputError);
    expect(() => model.replaceLinear('model.nope', zero)).toThrow(
      /replaceLinear: expected one of the \d+ linear names .*got "model.nope"/,
    );
    const wrong = { ...zero, inFeatures: old.inFeatures + 1 };
    expect(() => model.replaceLinear(name, wrong)).toThrow(
      `replaceLinear ${name}: expected ${old.inFeatures} → ${old.outFeatures} features, got ${old.inFeatures + 1} → ${old.outFeatures}`,
    );
  });
});

test('a batch without labels counts nothing and leaves the gradients at zero', async () => {
  const model = microModel('qwen2');
  model.setTrainable(() => true);
  const r = await model.step(
    {
      inputIds: Int32Array.from([1, 2, 3]),
      labels: Int32Array.from([-100, -100, -100]),
      batch: 1,
      seqLen: 3,
    },
    { training: true, backward: true },
  );
  expect(r).toEqual({ lossSum: 0, tokens: 0, correct: 0 });
  expect(model.parameters().every((p) => host(p.grad!).every((g) => g === 0))).toBe(true);
});

describe('step and logits validate their inputs', () => {
  const model = microModel('gpt2');
  const ok = {
    inputIds: Int32Array.from([1, 2, 3]),
    labels: Int32Array.from([1, 2, 3]),
    batch: 1,
    seqLen: 3,
  };
  test.each([
    {
      label: 'token id out of range',
      batch: { ...ok, inputIds: Int32Array.from([1, 11, 3]) },
      message: 'step: inputIds[1] expected a token id in [0, 11), got 11',
    },
    {
      label: 'label out of range',
      batch: { ...ok, labels: Int32Array.from([1, -1, 3]) },
      message: 'step: labels[1] expected -100 or a token id in [0, 11), got -1',
    },
    {
      label: 'wrong id count',
      batch: { ...ok, seqLen: 4 },
      message: 'step: inputIds expected 1×4 = 4 ids, got 3',
    },
    {
      label: 'mask not 0/1',
      batch: { ...ok, attentionMask: Uint8Array.from([1, 2, 1]) },
      message: 'step: attentionMask[1] expected 0 or 1, got 2',
    },
    {
      label: 'zero batch',
      batch: { ...ok, batch: 0 },
      message: 'step: batch and seqLen expected positive integers, got 0 and 3',
    },
  ])('$label', async ({ batch: b, message }) => {
    await expect(model.step(b, { training: false, backward: false })).rejects.toThrow(ModelInputError);
    await expect(model.step(b, { training: false, backward: false })).rejects.toThrow(message);
  });

  test('GPT-2 refuses positions beyond n_positions', async () => {
    const ids = new Int32Array(17).fill(1);
    await expect(model.logits(ids, 1, 17)).rejects.toThrow(
      'positions: expected fewer than n_positions = 16 tokens per sequence, got position 16',
    );
  });
});

describe('CausalLM.useMemory', () => {
  test('refuses a tensor larger than the memory holds, naming it, before anything moves', async () => {
    const model = microModel('llama', 1, 'f32');
    const largest = Math.max(...model.parameters().map((p) => p.data.length));
    const biggest = model.parameters().find((p) => p.data.length === largest)!;
    const limit = 4 * largest - 4; // one float short of the largest tensor
    const limited: DeviceMemory = Object.assign(Object.create(hostMemory), {
      name: 'small',
      maxArrayBytes: limit,
    });
    await expect(model.useMemory(limited)).rejects.toThrow(
      `useMemory: tensor "${biggest.name}" needs ${4 * largest} B, above the small memory's largest array of ${limit} B (only the embeddings and lm_head are split into row blocks)`,
    );
    expect(model.memory).toBe(hostMemory); // nothing moved
    const roomy: DeviceMemory = Object.assign(Object.create(hostMemory), {
      name: 'roomy',
      maxArrayBytes: limit + 4,
    });
    await model.useMemory(roomy);
    expect(model.memory).toBe(roomy);
  });

  test('refuses a table whose single row is larger than the memory holds, naming it', async () => {
    const model = microModel('llama', 1, 'f32', { hidden_size: 64, num_attention_heads: 8, head_dim: 8 });
    const small: DeviceMemory = Object.assign(Object.create(hostMemory), {
      name: 'small',
      maxArrayBytes: 255,
    });
    await expect(model.useMemory(small)).rejects.toThrow(
      'tensor "model.embed_tokens.weight": one row of 64 f32 needs 256 B, above the memory\'s largest array of 255 B (a tensor is split by whole rows)',
    );
    expect(model.memory).toBe(hostMemory);
  });
});
