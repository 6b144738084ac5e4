import { readFileSync } from 'node:fs';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { parseModelConfig } from './config.js';
import { ModelConfigError } from './errors.js';

const readJson = (...parts: string[]): Record<string, unknown> =>
  JSON.parse(readFileSync(sharedFixture(...parts), 'utf8'));

describeWithFixtures('parseModelConfig on real config.json files', () => {
  const preset = (key: string) =>
    (readJson('configs', 'mlc-llm-model-presets.json') as Record<string, Record<string, unknown>>)[key]!;
  const cases = [
    {
      label: 'TinyLlama-1.1B-Chat-v1.0',
      raw: () => readJson('tinyllama-1.1b-chat-v1.0', 'config.json'),
      expected: {
        architecture: 'llama',
        vocabSize: 32000,
        hiddenSize: 2048,
        intermediateSize: 5632,
        numLayers: 22,
        numHeads: 32,
        numKvHeads: 4,
        headDim: 64,
        maxPositions: 2048,
        normEps: 1e-5,
        ropeTheta: 10000,
        tieWordEmbeddings: false,
        attentionBias: false,
        hiddenAct: 'silu',
        bosTokenId: 1,
        eosTokenIds: [2],
        padTokenId: undefined,
        ropeScaling: undefined,
      },
    },
    {
      label: 'Qwen2.5-0.5B-Instruct (transformers 4.49 schema)',
      raw: () => readJson('qwen2.5-instruct', 'config.qwen2.5-0.5b-instruct.resaved-4.49.json'),
      expected: {
        architecture: 'qwen2',
        vocabSize: 151936,
        hiddenSize: 896,
        intermediateSize: 4864,
        numLayers: 24,
        numHeads: 14,
        numKvHeads: 2,
        headDim: 64,
        maxPositions: 32768,
        normEps: 1e-6,
        ropeTheta: 1e6,
        tieWordEmbeddings: true,
        attentionBias: true,
        bosTokenId: 151643,
        eosTokenIds: [151645],
      },
    },
    {
      label: 'Qwen2.5-1.5B-Instruct (transformers 5 schema: rope_parameters)',
      raw: () => readJson('qwen2.5-instruct', 'config.qwen2.5-1.5b-instruct.resaved-transformers5.json'),
      expected: {
        architecture: 'qwen2',
        hiddenSize: 1536,
        numLayers: 28,
        numHeads: 12,
        numKvHeads: 2,
        headDim: 128,
        ropeTheta: 1e6,
        ropeScaling: undefined,
        padTokenId: undefined,
        tieWordEmbeddings: true,
      },
    },
    {
      label: 'GPT-2',
      raw: () => readJson('gpt2', 'config.json'),
      expected: {
        architecture: 'gpt2',
        vocabSize: 50257,
        hiddenSize: 768,
        intermediateSize: 3072,
        numLayers: 12,
        numHeads: 12,
        numKvHeads: 12,
        headDim: 64,
        maxPositions: 1024,
        normEps: 1e-5,
        tieWordEmbeddings: true,
        attentionBias: true,
        hiddenAct: 'gelu_new',
        bosTokenId: 50256,
        eosTokenIds: [50256],
      },
    },
    {
      label: 'Gemma-2B (head_dim 256 ≠ 2048 / 8, MQA, hidden_act "gelu" ignored for tanh-GELU)',
      raw: () => preset('gemma_2b'),
      expected: {
        architecture: 'gemma',
        vocabSize: 256000,
        hiddenSize: 2048,
        intermediateSize: 16384,
        numHeads: 8,
        numKvHeads: 1,
        headDim: 256,
        hiddenAct: 'gelu_pytorch_tanh',
        tieWordEmbeddings: true,
        padTokenId: 0,
        bosTokenId: 2,
        eosTokenIds: [1],
      },
    },
    {
      label: 'Llama-3.2-1B (llama3 rope_scaling, tied)',
      raw: () => preset('llama3_2_1b'),
      expected: {
        architecture: 'llama',
        headDim: 64,
        ropeTheta: 500000,
        tieWordEmbeddings: true,
        eosTokenIds: [128001, 128008, 128009],
        ropeScaling: {
          type: 'llama3',
          factor: 32,
          lowFreqFactor: 1,
          highFreqFactor: 4,
          originalMaxPositions: 8192,
        },
      },
    },
    {
      label: 'Llama-2-7B (float16, pad_token_id 0, no rope_theta: default 10000)',
      raw: () => preset('llama2_7b'),
      expected: {
        architecture: 'llama',
        numHeads: 32,
        numKvHeads: 32,
        headDim: 128,
        padTokenId: 0,
        ropeTheta: 10000,
      },
    },
  ];

  test.each(cases)('$label', ({ raw, expected }) => {
    const json = raw();
    const config = parseModelConfig(json, 'config.json');
    expect(config).toMatchObject(expected);
    expect(config.raw).toBe(json);
  });

  test('Gemma-2-2B-it (gemma2_2b): soft-capping, query_pre_attn_scalar, every other layer sliding', () => {
    expect(parseModelConfig(preset('gemma2_2b'), 'config.json')).toMatchObject({
      architecture: 'gemma2',
      vocabSize: 256000,
      hiddenSize: 2304,
      intermediateSize: 9216,
      numLayers: 26,
      numHeads: 8,
      numKvHeads: 4,
      headDim: 256,
      maxPositions: 8192,
      hiddenAct: 'gelu_pytorch_tanh',
      tieWordEmbeddings: true,
      slidingWindow: 4096,
      slidingLayers: Array.from({ length: 26 }, (_, i) => i % 2 === 0),
      queryPreAttnScalar: 256,
      attnLogitSoftcapping: 50,
      finalLogitSoftcapping: 30,
      eosTokenIds: [1, 107],
    });
  });
});

describe('parseModelConfig errors name the file and key', () => {
  const llama = {
    model_type: 'llama',
    vocab_size: 10,
    hidden_size: 16,
    intermediate_size: 32,
    num_hidden_layers: 1,
    num_attention_heads: 4,
  };
  test.each([
    {
      label: 'unknown model_type',
      raw: { ...llama, model_type: 'falcon' },
      message:
        'x/config.json: model_type expected one of "llama", "qwen2", "gpt2", "gemma", "mistral", "phi3", "gemma2", got "falcon"',
    },
    {
      label: 'heads not dividing hidden',
      raw: { ...llama, hidden_size: 18 },
      message:
        'x/config.json: num_attention_heads expected a divisor of hidden_size 18 (no head_dim is given), got 4',
    },
    {
      label: 'KV heads not dividing heads',
      raw: { ...llama, num_key_value_heads: 3 },
      message: 'num_key_value_heads expected a divisor of num_attention_heads 4, got 3',
    },
    {
      label: 'dynamic rope_scaling',
      raw: { ...llama, rope_scaling: { type: 'dynamic', factor: 2 } },
      message:
        'rope_scaling.rope_type expected "default", "linear" or "llama3" (other RoPE scalings are not supported), got "dynamic"',
    },
    {
      label: 'yarn in rope_parameters',
      raw: { ...llama, rope_parameters: { rope_type: 'yarn', factor: 4, rope_theta: 1e4 } },
      message:
        'rope_parameters.rope_type expected "default", "linear" or "llama3" (other RoPE scalings are not supported), got "yarn"',
    },
    {
      label: 'llama3 scaling without its factors',
      raw: { ...llama, rope_scaling: { rope_type: 'llama3', factor: 8 } },
      message: 'rope_scaling.low_freq_factor expected a finite number > 0, got nothing',
    },
    {
      label: 'a missing size',
      raw: { ...llama, hidden_size: undefined },
      message: 'hidden_size expected a positive integer, got nothing',
    },
    {
      label: 'a non-SiLU Llama',
      raw: { ...llama, hidden_act: 'relu' },
      message: 'hidden_act expected "silu", got "relu"',
    },
    {
      label: 'exact-GELU GPT-2',
      raw: {
        model_type: 'gpt2',
        vocab_size: 5,
        n_embd: 8,
        n_head: 2,
        n_layer: 1,
        n_positions: 8,
        activation_function: 'gelu',
      },
      message: 'activation_function expected one of gelu_new, gelu_pytorch_tanh, gelu_fast, got "gelu"',
    },
    {
      label: 'GPT-2 heads not dividing n_embd',
      raw: { model_type: 'gpt2', vocab_size: 5, n_embd: 8, n_head: 3, n_layer: 1, n_positions: 8 },
      message: 'n_head expected a divisor of n_embd 8, got 3',
    },
    {
      label: 'Qwen2 max_window_layers negative',
      raw: {
        ...llama,
        model_type: 'qwen2',
        use_sliding_window: true,
        sliding_window: 4,
        max_window_layers: -1,
      },
      message: 'max_window_layers expected an integer >= 0, got -1',
    },
    {
      label: 'Qwen2 use_sliding_window not a boolean',
      raw: { ...llama, model_type: 'qwen2', use_sliding_window: 'yes' },
      message: 'use_sliding_window expected true or false, got "yes"',
    },
    {
      label: 'Qwen2 layer_types of the wrong length',
      raw: { ...llama, model_type: 'qwen2', use_sliding_window: true, layer_types: ['full_attention', 'x'] },
      message:
        'layer_types expected a list of 1 "sliding_attention" or "full_attention", got ["full_attention","x"]',
    },
    { label: 'not an object', raw: [1, 2], message: 'x/config.json: expected a JSON object, got an array' },
  ])('$label', ({ raw, message }) => {
    expect(() => parseModelConfig(raw, 'x/config.json')).toThrow(ModelConfigError);
    expect(() => parseModelConfig(raw, 'x/config.json')).toThrow(message);
  });

  test.each([
    [{}, undefined, undefined],
    [{ use_sliding_window: false, sliding_window: 4, max_window_layers: 0 }, undefined, undefined],
    [{ use_sliding_window: true, sliding_window: 4, max_window_layers: 1 }, 4, [false, true]],
    [{ use_sliding_window: true, sliding_window: 4 }, 4, [false, false]], // max_window_layers defaults to 28
    [{ use_sliding_window: true, max_window_layers: 0 }, 4096, [true, true]],
    [
      { use_sliding_window: true, sliding_window: 4, layer_types: ['sliding_attention', 'full_attention'] },
      4,
      [true, false],
    ],
  ])('Qwen2Config %j: window %s on layers %j', (keys, window, layers) => {
    const c = parseModelConfig({ ...llama, model_type: 'qwen2', num_hidden_layers: 2, ...keys });
    expect(c.slidingWindow).toBe(window);
    expect(c.slidingLayers).toEqual(layers);
  });

  test('linear rope_scaling and per-architecture defaults', () => {
    const c = parseModelConfig({ ...llama, rope_scaling: { type: 'linear', factor: 2 }, eos_token_id: null });
    expect(c).toMatchObject({
      ropeScaling: { type: 'linear', factor: 2 },
      headDim: 4,
      numKvHeads: 4,
      eosTokenIds: [],
      tieWordEmbeddings: false,
      ropeTheta: 10000,
      mlpBias: false,
    });
    expect(parseModelConfig({ ...llama, model_type: 'gemma', head_dim: 8 })).toMatchObject({
      tieWordEmbeddings: true,
      hiddenAct: 'gelu_pytorch_tanh',
      headDim: 8,
    });
  });
});
