// Phi-3: Phi3Config's fields and defaults, real configs (Phi-3-mini-4k; the longrope and partial-rotary ones refused),
// and the fused projections against the split ones they pack: a Phi-3 equals the Llama whose q/k/v and gate/up are
// the slices of its qkv_proj and gate_up_proj (logits and gradients against PyTorch are golden.test's).
import { readFile } from 'node:fs/promises';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { CausalLM } from '../../causal-lm.js';
import { parseModelConfig } from '../../config.js';
import { memoryShapes } from '../../memory-shapes.js';
import { tinyCheckpointTensors } from '../../tiny-checkpoint.js';
import { tensorSpecs } from '../index.js';

const mini = JSON.parse(
  await readFile(new URL('../../../fixtures/configs/phi-3-mini-4k-instruct.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const minimal = {
  model_type: 'phi3',
  vocab_size: 16,
  hidden_size: 64,
  intermediate_size: 32,
  num_hidden_layers: 1,
  num_attention_heads: 16,
};

describe('Phi3Config', () => {
  test('defaults: KV heads = heads, 4096 positions, rms_norm_eps 1e-5, no window, untied, no biases', () => {
    expect(parseModelConfig(minimal)).toMatchObject({
      architecture: 'phi3',
      numKvHeads: 16,
      headDim: 4,
      maxPositions: 4096,
      normEps: 1e-5,
      slidingWindow: undefined,
      tieWordEmbeddings: false,
      attentionBias: false,
      mlpBias: false,
    });
  });

  test.each([
    {
      raw: { rope_scaling: { type: 'longrope', short_factor: [1], long_factor: [1] } },
      message:
        'x: rope_scaling.rope_type expected "default", "linear" or "llama3" (other RoPE scalings are not supported), got "longrope"',
    },
    {
      raw: { partial_rotary_factor: 0.75 },
      message: 'x: partial_rotary_factor expected 1 (partial rotary embeddings are not supported), got 0.75',
    },
    {
      raw: { resid_pdrop: 0.1 },
      message: 'x: resid_pdrop expected 0 (dropout inside the model is not applied), got 0.1',
    },
    { raw: { sliding_window: -1 }, message: 'x: sliding_window expected a positive integer, got -1' },
  ])('refuses $raw naming the key', ({ raw, message }) => {
    expect(() => parseModelConfig({ ...minimal, ...raw }, 'x')).toThrow(message);
  });

  test("Phi-3-mini-4k-instruct's config.json: 3,821,079,552 parameters, window 2047, fused linears", () => {
    const config = parseModelConfig(mini, 'phi-3-mini-4k-instruct.json');
    expect(config).toMatchObject({
      numLayers: 32,
      hiddenSize: 3072,
      headDim: 96,
      vocabSize: 32064,
      slidingWindow: 2047,
    });
    const params = tensorSpecs(config).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    expect(params).toBe(3_821_079_552); // 2 · 32064 · 3072 + 32 · (3072 · 9216 + 3072² + 3072 · 16384 + 8192 · 3072 + 2 · 3072) + 3072
    const shapes = memoryShapes(config);
    expect(shapes.layerLinears.map((l) => [l.name, l.outFeatures, l.inFeatures])).toEqual([
      ['self_attn.qkv_proj', 9216, 3072],
      ['self_attn.o_proj', 3072, 3072],
      ['mlp.gate_up_proj', 16384, 3072],
      ['mlp.down_proj', 3072, 8192],
    ]);
    expect(shapes.buffers.slidingWindow).toBe(2047);
  });
});

describe('fused projections equal the split ones they pack', () => {
  // the tiny Phi-3 (GQA 4/2 heads) without its window, and a Llama of the same shapes built from its slices
  const { tensors, modelConfig } = tinyCheckpointTensors('phi3', { seed: 11 });
  const phi3 = { ...modelConfig, slidingWindow: undefined };
  const dense = (name: string) => (tensors[name] as { data: Float32Array }).data;
  const llama = parseModelConfig({
    model_type: 'llama',
    vocab_size: phi3.vocabSize,
    hidden_size: phi3.hiddenSize,
    intermediate_size: phi3.intermediateSize,
    num_hidden_layers: phi3.numLayers,
    num_attention_heads: phi3.numHeads,
    num_key_value_heads: phi3.numKvHeads,
    rms_norm_eps: phi3.normEps,
    rope_theta: phi3.ropeTheta,
  });
  const { hiddenSize: C, intermediateSize: I, numHeads: H, numKvHeads: Hkv, headDim: D } = phi3;
  /** rows [from, from + n) of a (rows, C) weight */
  const rows = (w: Float32Array, from: number, n: number) => w.slice(from * C, (from + n) * C);
  const split = (name: string): Float32Array | undefined => {
    const m = /^(model\.layers\.\d+)\.(self_attn|mlp)\.(q|k|v|gate|up)_proj\.weight$/.exec(name);
    if (!m) return dense(name);
    const [, p, , which] = m;
    const qkv = dense(`${p}.self_attn.qkv_proj.weight`);
    const gu = dense(`${p}.mlp.gate_up_proj.weight`);
    if (which === 'q') return rows(qkv, 0, H * D);
    if (which === 'k') return rows(qkv, H * D, Hkv * D);
    if (which === 'v') return rows(qkv, (H + Hkv) * D, Hkv * D);
    return which === 'gate' ? rows(gu, 0, I) : rows(gu, I, I);
  };
  const ids = Int32Array.from([3, 17, 40, 99, 5, 0, 0, 1, 2, 8, 127, 64]); // (2, 6)
  const mask = Uint8Array.from([1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);

  test('logits of a padded batch', async () => {
    const fused = CausalLM.fromWeights(phi3, dense);
    const plain = CausalLM.fromWeights(llama, split);
    expectClose(
      await fused.logits(ids, 2, 6, mask),
      await plain.logits(ids, 2, 6, mask),
      { rtol: 1e-5, atol: 1e-6 },
      'logits',
    );
  });

  test("qkv_proj's and gate_up_proj's gradients are the split gradients, stacked", async () => {
    const batch = { inputIds: ids, labels: ids, attentionMask: mask, batch: 2, seqLen: 6 };
    const fused = CausalLM.fromWeights(phi3, dense);
    const plain = CausalLM.fromWeights(llama, split);
    const p = 'model.layers.1';
    fused.setTrainable((n) => n.startsWith(`${p}.`) && n.endsWith('_proj.weight'));
    plain.setTrainable((n) => n.startsWith(`${p}.`) && n.endsWith('_proj.weight'));
    const a = await fused.step(batch, { training: false, backward: true });
    const b = await plain.step(batch, { training: false, backward: true });
    expectClose([a.lossSum], [b.lossSum], { rtol: 1e-6 }, 'loss');
    const grad = (m: CausalLM, name: string) =>
      m.parameters().find((x) => x.name === name)!.grad as Float32Array;
    const stacked = (...names: string[]) =>
      Float32Array.from(names.flatMap((n) => Array.from(grad(plain, n))));
    const at = (n: string) => `${p}.${n}.weight`;
    const tol = { rtol: 1e-4, atol: 1e-6 };
    expectClose(
      grad(fused, at('self_attn.qkv_proj')),
      stacked(at('self_attn.q_proj'), at('self_attn.k_proj'), at('self_attn.v_proj')),
      tol,
      'qkv_proj',
    );
    expectClose(
      grad(fused, at('mlp.gate_up_proj')),
      stacked(at('mlp.gate_proj'), at('mlp.up_proj')),
      tol,
      'gate_up_proj',
    );
    expectClose(grad(fused, at('mlp.down_proj')), grad(plain, at('mlp.down_proj')), tol, 'down_proj');
  });
});
