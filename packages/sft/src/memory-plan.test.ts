import { readFileSync } from 'node:fs';
import { collate } from '@lora/datasets';
import { quantize4bit, quantizedBytes } from '@lora/quant-nf4';
import { describeWithFixtures, hostF32, makeRng, sharedFixture } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { AdamW } from './adamw.js';
import { assertFits } from './memory-fit.js';
import {
  logitsChunkBytes,
  MemoryPlanError,
  type MemoryPlanInput,
  type ModelDims,
  planMemory,
  quantizedWeightBytes,
} from './memory-plan.js';
import { ToyLM } from './toy-model.js';
import { toyExamples } from './trainer.test-support.js';

const fromHfConfig = (c: Record<string, number | boolean>, extra: Partial<ModelDims> = {}): ModelDims => ({
  vocabSize: c.vocab_size as number,
  hiddenSize: c.hidden_size as number,
  intermediateSize: c.intermediate_size as number,
  numLayers: c.num_hidden_layers as number,
  numHeads: c.num_attention_heads as number,
  numKvHeads: c.num_key_value_heads as number,
  headDim: (c.hidden_size as number) / (c.num_attention_heads as number),
  tieWordEmbeddings: c.tie_word_embeddings as boolean,
  ...extra,
});

const readJson = (...parts: string[]) =>
  JSON.parse(readFileSync(sharedFixture(...parts), 'utf8')) as Record<string, unknown>;

const base = (config: ModelDims, extra: Partial<MemoryPlanInput> = {}): MemoryPlanInput => ({
  config,
  quant: 'nf4',
  loraRank: 16,
  targetModules: ['q_proj', 'v_proj'],
  batchSize: 1,
  seqLen: 512,
  ...extra,
});

describeWithFixtures('planMemory parameter counts against real configs', () => {
  test('Qwen2.5-0.5B: the base parameter count equals general.parameter_count of the ollama GGUF conversion', () => {
    const config = fromHfConfig(
      readJson('qwen2.5-instruct', 'config.qwen2.5-0.5b-instruct.resaved-4.49.json') as never,
      { attentionBias: true },
    );
    const kv = readJson('configs', 'ollama-convert-Qwen2.5-0.5B-Instruct.gguf-kv.json');
    const plan = planMemory(base(config));
    expect(plan.counts.baseParameters).toBe(Number(kv['general.parameter_count']));
    // LoRA r=16 on q_proj (896→896) and v_proj (896→128): 24 · 16 · ((896 + 896) + (896 + 128)) = 1,081,344
    expect(plan.counts.adapterParameters).toBe(1_081_344);
    expect(plan.parts.adapter).toBe(1_081_344 * 4);
    expect(plan.parts.optimizer).toBe(2 * plan.parts.adapter);
    expect(plan.parts.gradients).toBe(plan.parts.adapter);
  });

  test('TinyLlama-1.1B: 1,100,048,384 parameters, counted by hand from its config.json', () => {
    // 2 · 32000 · 2048 (embed + lm_head) + 22 · (2 · 2048² + 2 · 2048 · 256 + 3 · 2048 · 5632 + 2 · 2048) + 2048
    const config = fromHfConfig(readJson('tinyllama-1.1b-chat-v1.0', 'config.json') as never);
    expect(planMemory(base(config, { targetModules: 'all-linear' })).counts.baseParameters).toBe(
      1_100_048_384,
    );
  });
});

describe('quantizedWeightBytes', () => {
  test.each([
    [[64, 96], 64, false],
    [[37, 51], 64, false],
    [[37, 51], 128, true],
    [[300, 256], 64, true],
    [[1, 33], 32, true],
  ])(
    'shape %j blocksize %i double %s equals @lora/quant-nf4 quantizedBytes of a real quantization',
    (shape, blocksize, doubleQuant) => {
      const n = shape[0]! * shape[1]!;
      const values = new Float32Array(n);
      makeRng(n).fill(values);
      const q = quantize4bit(values, shape, { blocksize, doubleQuant });
      expect(quantizedWeightBytes(n, blocksize, doubleQuant)).toBe(quantizedBytes(q));
    },
  );
});

describe('planMemory against a measured toy run', () => {
  test('optimizer, gradient and logits-chunk bytes equal what the toy model and AdamW allocate', async () => {
    const toy = new ToyLM({
      vocabSize: 23,
      hiddenSize: 8,
      vocabChunk: 7,
      frozen: ['model.embed_tokens.weight'],
    });
    const trainable = toy.parameters().filter((p) => p.trainable);
    const count = trainable.reduce((s, p) => s + p.data.length, 0);
    const optimizer = new AdamW(trainable);
    // the planner's adapter/optimizer/gradient parts are 4, 8 and 4 bytes per trainable element
    expect(optimizer.stateBytes()).toBe(2 * 4 * count);
    expect(trainable.reduce((s, p) => s + hostF32(p.grad!).byteLength, 0)).toBe(4 * count);
    const batch = collate(toyExamples(3, 23, 1), { padTokenId: 0 });
    await toy.step(batch, { training: true, backward: true, lossScale: 1 });
    expect(toy.lastStepBytes().logitsChunk).toBe(logitsChunkBytes(batch.batch * batch.seqLen, 7));
  });
});

describe('planMemory parts', () => {
  const tiny: ModelDims = {
    vocabSize: 100,
    hiddenSize: 8,
    intermediateSize: 16,
    numLayers: 2,
    numHeads: 2,
    numKvHeads: 1,
    headDim: 4,
  };

  test('activations of a tiny config, by hand', () => {
    // N = B·T = 6. Per layer: 4NC + 2N + N(Q + 2K) + H·B·T² + NQ + 4NI + Σ N·r
    //   = 4·6·8 + 12 + 6·(8 + 8) + 2·2·9 + 6·8 + 4·6·16 + 2·6·2 = 192 + 12 + 96 + 36 + 48 + 384 + 24 = 792
    // no checkpointing: (L + 1) layers (one for the backward workspace) + final norm N·C + N = 3·792 + 54 = 2430 floats
    // checkpointing: L·N·C + 2 layers + final norm = 96 + 1584 + 54 = 1734 floats
    const input = base(tiny, { quant: 'none', loraRank: 2, batchSize: 2, seqLen: 3 });
    expect(planMemory(input).parts.activations).toBe(2430 * 4);
    expect(planMemory({ ...input, gradientCheckpointing: true }).parts.activations).toBe(1734 * 4);
    // logits: 2·N·chunk + 6N floats
    expect(planMemory(input).parts.logitsChunk).toBe((2 * 6 * 100 + 36) * 4);
    expect(planMemory({ ...input, vocabChunk: 10 }).parts.logitsChunk).toBe((2 * 6 * 10 + 36) * 4);
  });

  test('base weights: f32 without quantization, 4-bit linears (embeddings and norms stay f32) with it', () => {
    const none = planMemory(base(tiny, { quant: 'none' }));
    expect(none.parts.baseWeights).toBe(none.counts.baseParameters * 4);
    const nf4 = planMemory(base(tiny));
    const linears = [8 * 8, 4 * 8, 4 * 8, 8 * 8, 16 * 8, 16 * 8, 8 * 16].reduce(
      (s, n) => s + quantizedWeightBytes(n),
      0,
    );
    expect(nf4.parts.baseWeights).toBe(2 * linears + (2 * 100 * 8 + 2 * 2 * 8 + 8) * 4);
    expect(nf4.counts.quantizedParameters).toBe(2 * 576); // 64 + 32 + 32 + 64 + 128 + 128 + 128 per layer
    expect(nf4.total).toBe(Object.values(nf4.parts).reduce((a, b) => a + b, 0));
  });

  test.each([
    [{ loraRank: 0 }, /planMemory loraRank: expected an integer > 0, got 0/],
    [
      { targetModules: ['q_proj', 'c_attn'] },
      /planMemory targetModules: expected names from q_proj, .*, got "c_attn"/,
    ],
    [{ quant: 'int8' }, /planMemory quant: expected 'nf4', 'fp4' or 'none', got "int8"/],
    [{ blocksize: 48 }, /planMemory blocksize: expected a power of two from 32 to 4096, got 48/],
  ])('rejects %j', (change, message) => {
    expect(() => planMemory({ ...base(tiny), ...(change as Partial<MemoryPlanInput>) })).toThrow(
      MemoryPlanError,
    );
    expect(() => planMemory({ ...base(tiny), ...(change as Partial<MemoryPlanInput>) })).toThrow(message);
  });
});

describe('assertFits', () => {
  const dims: ModelDims = {
    vocabSize: 32000,
    hiddenSize: 2048,
    intermediateSize: 5632,
    numLayers: 22,
    numHeads: 32,
    numKvHeads: 4,
    headDim: 64,
  };
  const plan = planMemory(base(dims, { batchSize: 4, seqLen: 1024 }));

  test('passes when the plan fits', () => {
    expect(() => assertFits(plan, plan.total)).not.toThrow();
  });

  test('says how much is needed and which single change fits', () => {
    const withCheckpointing = planMemory({ ...plan.input, gradientCheckpointing: true }).total;
    let error: MemoryPlanError | undefined;
    try {
      assertFits(plan, withCheckpointing);
    } catch (e) {
      error = e as MemoryPlanError;
    }
    expect(error).toBeInstanceOf(MemoryPlanError);
    expect(error!.needed).toBe(plan.total);
    expect(error!.message).toMatch(
      /^memory plan: needs \d+\.\d\d GiB, got \d+\.\d\d GiB available \(short by [\d.]+ [GM]iB\); largest parts: activations/,
    );
    expect(error!.message).toMatch(/any one of these fits: enable gradientCheckpointing/);
  });

  test('when nothing single fits it lists the biggest savings', () => {
    expect(() => assertFits(plan, 1e6)).toThrow(/no single change fits; these save the most: /);
  });
});
