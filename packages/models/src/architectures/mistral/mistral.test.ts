// Mistral: MistralConfig's fields and defaults, a real config (Mistral-7B-v0.3), and a sliding window that masks
// (logits and gradients against PyTorch are golden.test's, the float64 training run golden-training.test's).
import { readFile } from 'node:fs/promises';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { CausalLM } from '../../causal-lm.js';
import { parseModelConfig } from '../../config.js';
import { GOLDEN_BATCH, GOLDEN_CASES, loadGolden } from '../../golden-cases.test-support.js';
import { memoryShapes } from '../../memory-shapes.js';
import { tinyCheckpointTensors } from '../../tiny-checkpoint.js';
import { tensorSpecs } from '../index.js';

const v03 = JSON.parse(
  await readFile(new URL('../../../fixtures/configs/mistral-7b-v0.3.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const minimal = {
  model_type: 'mistral',
  vocab_size: 16,
  hidden_size: 64,
  intermediate_size: 32,
  num_hidden_layers: 1,
  num_attention_heads: 16,
};

describe('MistralConfig', () => {
  test('defaults: sliding_window 4096, 8 KV heads, 4096·32 positions, rms_norm_eps 1e-6, untied, no biases', () => {
    expect(parseModelConfig(minimal)).toMatchObject({
      architecture: 'mistral',
      slidingWindow: 4096,
      numKvHeads: 8,
      headDim: 4,
      maxPositions: 131072,
      normEps: 1e-6,
      tieWordEmbeddings: false,
      attentionBias: false,
      mlpBias: false,
    });
  });

  test.each([
    { label: 'sliding_window null: full attention', raw: { sliding_window: null }, window: undefined },
    { label: 'sliding_window 3', raw: { sliding_window: 3 }, window: 3 },
    // MistralConfig has no use_sliding_window (Qwen2's switch); modeling_mistral reads sliding_window alone
    {
      label: 'use_sliding_window false is ignored',
      raw: { sliding_window: 3, use_sliding_window: false },
      window: 3,
    },
    { label: 'attention_bias is not a MistralConfig field', raw: { attention_bias: true }, window: 4096 },
  ])('$label', ({ raw, window }) => {
    const config = parseModelConfig({ ...minimal, ...raw });
    expect(config.slidingWindow).toBe(window);
    expect(config.attentionBias).toBe(false);
  });

  test.each([
    { raw: { sliding_window: 0 }, message: 'x: sliding_window expected a positive integer, got 0' },
    { raw: { sliding_window: '4k' }, message: 'x: sliding_window expected a positive integer, got "4k"' },
    { raw: { hidden_act: 'gelu' }, message: 'x: hidden_act expected "silu", got "gelu"' },
    {
      raw: { num_key_value_heads: 3 },
      message: 'x: num_key_value_heads expected a divisor of num_attention_heads 16, got 3',
    },
  ])('refuses $raw naming the key', ({ raw, message }) => {
    expect(() => parseModelConfig({ ...minimal, ...raw }, 'x')).toThrow(message);
  });

  test("Mistral-7B-v0.3's config.json: 7,248,023,552 parameters, full attention, PEFT's q/v targets", () => {
    const config = parseModelConfig(v03, 'mistral-7b-v0.3.json');
    expect(config).toMatchObject({
      numLayers: 32,
      hiddenSize: 4096,
      numKvHeads: 8,
      headDim: 128,
      vocabSize: 32768,
      ropeTheta: 1e6,
      slidingWindow: undefined,
    });
    const params = tensorSpecs(config).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    expect(params).toBe(7_248_023_552); // the Hub's model card count
    const shapes = memoryShapes(config);
    expect(shapes.layerLinears.map((l) => [l.name, l.outFeatures, l.inFeatures])).toEqual([
      ['self_attn.q_proj', 4096, 4096],
      ['self_attn.k_proj', 1024, 4096],
      ['self_attn.v_proj', 1024, 4096],
      ['self_attn.o_proj', 4096, 4096],
      ['mlp.gate_proj', 14336, 4096],
      ['mlp.up_proj', 14336, 4096],
      ['mlp.down_proj', 4096, 14336],
    ]);
    expect(shapes.buffers.slidingWindow).toBeUndefined();
    // v0.1's window: a sequence longer than it keeps one (T, T) mask
    expect(memoryShapes({ ...config, slidingWindow: 4096 }).buffers.slidingWindow).toBe(4096);
  });
});

describe('the sliding window masks', () => {
  const golden = loadGolden();
  const c = GOLDEN_CASES.find((x) => x.name === 'mistral-float32')!;
  const { tensors, modelConfig } = tinyCheckpointTensors('mistral', { seed: c.seed, dtype: c.dtype });
  const weights = (name: string) => (tensors[name] as { data: Float32Array }).data;
  const windowed = CausalLM.fromWeights(modelConfig, weights);
  const full = CausalLM.fromWeights({ ...modelConfig, slidingWindow: undefined }, weights);
  const W = modelConfig.slidingWindow!;

  test('a query within the window of the first token sees the same keys; past it, fewer', async () => {
    expect(W).toBe(3);
    const ids = Int32Array.from([17, 93, 5, 64, 120, 44, 8]); // (1, 7)
    const V = modelConfig.vocabSize;
    const [a, b] = [await windowed.logits(ids, 1, 7), await full.logits(ids, 1, 7)];
    for (let t = 0; t < 7; t++) {
      const row = (x: Float32Array) => x.subarray(t * V, (t + 1) * V);
      const diff = Math.max(...row(a).map((v, i) => Math.abs(v - row(b)[i]!)));
      if (t < W) expect(diff, `position ${t}`).toBe(0);
      else expect(diff, `position ${t}`).toBeGreaterThan(1e-3);
    }
  });

  test("PyTorch's logits (golden.json) are the windowed model's, not full attention's", async () => {
    const { batch: B, seqLen: T } = GOLDEN_BATCH;
    const ids = Int32Array.from(GOLDEN_BATCH.inputIds);
    const mask = Uint8Array.from(GOLDEN_BATCH.attentionMask);
    const g = golden.cases.find((x) => x.name === c.name)!;
    const bytes = Buffer.from(g.logits_f32_b64, 'base64');
    const expected = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    const V = modelConfig.vocabSize;
    const real = (x: Float32Array) =>
      Array.from({ length: B * T }, (_, i) => i)
        .filter((i) => mask[i] === 1)
        .flatMap((i) => Array.from(x.subarray(i * V, (i + 1) * V)));
    expectClose(
      real(await windowed.logits(ids, B, T, mask)),
      real(expected),
      { rtol: 1e-4, atol: 1e-5 },
      'windowed',
    );
    const off = real(await full.logits(ids, B, T, mask)).reduce(
      (m, v, i) => Math.max(m, Math.abs(v - real(expected)[i]!)),
      0,
    );
    expect(off).toBeGreaterThan(1e-2);
  });
});
