// Gemma 2: Gemma2Config's fields and defaults, gemma-2-2b's size, the keys refused, and each of its mechanisms
// (post-norms aside: a model without them has other tensors) moving the logits PyTorch computes (golden.json; the
// logits and gradients themselves are golden.test's, the float64 training run golden-training.test's).
import { readFileSync } from 'node:fs';
import { describeWithFixtures, expectClose, sharedFixture } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { parseModelConfig } from '../../config.js';
import { goldenLogits } from '../../golden-cases.test-support.js';
import { tensorSpecs } from '../index.js';

const minimal = {
  model_type: 'gemma2',
  vocab_size: 16,
  hidden_size: 64,
  intermediate_size: 32,
  num_hidden_layers: 3,
  num_attention_heads: 8,
};

describe('Gemma2Config', () => {
  test('defaults: window 4096 on layers 0, 2, …, query_pre_attn_scalar 256, caps 50 and 30, tied, head_dim 256', () => {
    expect(parseModelConfig(minimal)).toMatchObject({
      architecture: 'gemma2',
      slidingWindow: 4096,
      slidingLayers: [true, false, true],
      queryPreAttnScalar: 256,
      attnLogitSoftcapping: 50,
      finalLogitSoftcapping: 30,
      headDim: 256,
      numKvHeads: 4,
      maxPositions: 8192,
      normEps: 1e-6,
      hiddenAct: 'gelu_pytorch_tanh',
      tieWordEmbeddings: true,
      attentionBias: false,
    });
  });

  test.each([
    {
      label: 'layer_types given',
      raw: { layer_types: ['full_attention', 'sliding_attention', 'sliding_attention'] },
      expected: { slidingLayers: [false, true, true], slidingWindow: 4096 },
    },
    {
      label: 'sliding_window null: full attention',
      raw: { sliding_window: null },
      expected: { slidingWindow: undefined },
    },
    {
      label: 'soft-capping off (null)',
      raw: { attn_logit_softcapping: null, final_logit_softcapping: null },
      expected: { attnLogitSoftcapping: undefined, finalLogitSoftcapping: undefined },
    },
    {
      label: 'use_bidirectional_attention false, attention_dropout 0',
      raw: { use_bidirectional_attention: false, attention_dropout: 0 },
      expected: { architecture: 'gemma2' },
    },
  ])('$label', ({ raw, expected }) => {
    expect(parseModelConfig({ ...minimal, ...raw })).toMatchObject(expected);
  });

  test.each([
    {
      raw: { use_bidirectional_attention: true },
      message: 'x: use_bidirectional_attention expected false or null (only causal attention), got true',
    },
    {
      raw: { attention_dropout: 0.1 },
      message: 'x: attention_dropout expected 0 (dropout inside the model is not applied), got 0.1',
    },
    {
      raw: { layer_types: ['sliding_attention', 'full_attention'] },
      message:
        'x: layer_types expected a list of 3 "sliding_attention" or "full_attention", got ["sliding_attention","full_attention"]',
    },
    {
      raw: { layer_types: ['sliding_attention', 'chunked_attention', 'full_attention'] },
      message: 'x: layer_types expected a list of 3 "sliding_attention" or "full_attention"',
    },
    {
      raw: { query_pre_attn_scalar: 0 },
      message: 'x: query_pre_attn_scalar expected a finite number > 0, got 0',
    },
    {
      raw: { attn_logit_softcapping: -50 },
      message: 'x: attn_logit_softcapping expected a finite number > 0, got -50',
    },
    {
      raw: { final_logit_softcapping: 'on' },
      message: 'x: final_logit_softcapping expected a finite number > 0',
    },
    { raw: { sliding_window: 0 }, message: 'x: sliding_window expected a positive integer, got 0' },
    { raw: { hidden_activation: 'relu' }, message: 'x: hidden_activation expected one of' },
  ])('refuses $raw naming the key', ({ raw, message }) => {
    expect(() => parseModelConfig({ ...minimal, ...raw }, 'x')).toThrow(message);
  });
});

describeWithFixtures("gemma-2-2b-it's config.json", () => {
  test('2,614,341,888 parameters: four norms per layer, tied embeddings', () => {
    const presets = JSON.parse(
      readFileSync(sharedFixture('configs', 'mlc-llm-model-presets.json'), 'utf8'),
    ) as Record<string, Record<string, unknown>>;
    const specs = tensorSpecs(parseModelConfig(presets.gemma2_2b, 'gemma2_2b'));
    expect(specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0)).toBe(2_614_341_888);
    expect(
      specs.filter((s) => s.name.startsWith('model.layers.0.') && s.role === 'norm').map((s) => s.name),
    ).toEqual([
      'model.layers.0.input_layernorm.weight',
      'model.layers.0.post_attention_layernorm.weight',
      'model.layers.0.pre_feedforward_layernorm.weight',
      'model.layers.0.post_feedforward_layernorm.weight',
    ]);
    expect(specs.some((s) => s.name === 'lm_head.weight')).toBe(false);
  });
});

describe("each mechanism moves the logits away from PyTorch's (golden.json)", () => {
  const { modelConfig, expected, logits } = goldenLogits('gemma2-float32');

  test('the tiny config: window 3 < 7 tokens on layer 0, layer 1 full, scalar 12 ≠ head_dim 8, caps 5 and 3', async () => {
    expect(modelConfig).toMatchObject({
      slidingWindow: 3,
      slidingLayers: [true, false],
      queryPreAttnScalar: 12,
      headDim: 8,
      attnLogitSoftcapping: 5,
      finalLogitSoftcapping: 3,
    });
    expectClose(await logits(modelConfig), expected, { rtol: 1e-4, atol: 1e-5 }, 'gemma2');
  });

  test.each([
    { label: 'no attention soft-capping', change: { attnLogitSoftcapping: undefined } },
    { label: 'no final soft-capping', change: { finalLogitSoftcapping: undefined } },
    { label: 'no sliding window', change: { slidingWindow: undefined } },
    { label: 'the window on every layer', change: { slidingLayers: [true, true] } },
    { label: 'scores scaled by head_dim^−½', change: { queryPreAttnScalar: undefined } },
  ])('$label: off by more than 1e-2', async ({ change }) => {
    const got = await logits({ ...modelConfig, ...change });
    expect(got.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0)).toBeGreaterThan(1e-2);
  });
});
