import { readFileSync } from 'node:fs';
import { collate } from '@lora/datasets';
import { memoryShapes, parseModelConfig } from '@lora/models';
import { quantize4bit, quantizedBytes } from '@lora/quant-nf4';
import { describeWithFixtures, hostF32, makeRng, sharedFixture } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { AdamW } from './adamw.js';
import { assertFits } from './memory-fit.js';
import {
  logitsChunkBytes,
  MemoryPlanError,
  type MemoryPlanInput,
  type ModelShapes,
  planMemory,
  quantizedWeightBytes,
} from './memory-plan.js';
import { ToyLM } from './toy-model.js';
import { toyExamples } from './trainer.test-support.js';

const readJson = (...parts: string[]) => JSON.parse(readFileSync(sharedFixture(...parts), 'utf8')) as unknown;
const shapesOf = (json: unknown) => memoryShapes(parseModelConfig(json));

const base = (model: ModelShapes, extra: Partial<MemoryPlanInput> = {}): MemoryPlanInput => ({
  model,
  quant: 'nf4',
  loraRank: 16,
  targetModules: ['q_proj', 'v_proj'],
  batchSize: 1,
  seqLen: 512,
  ...extra,
});

describeWithFixtures('planMemory parameter counts against real configs', () => {
  test('Qwen2.5-0.5B: the base parameter count equals general.parameter_count of the ollama GGUF conversion', () => {
    const model = shapesOf(readJson('qwen2.5-instruct', 'config.qwen2.5-0.5b-instruct.resaved-4.49.json'));
    const kv = readJson('configs', 'ollama-convert-Qwen2.5-0.5B-Instruct.gguf-kv.json') as Record<
      string,
      unknown
    >;
    const plan = planMemory(base(model));
    expect(plan.counts.baseParameters).toBe(Number(kv['general.parameter_count']));
    // LoRA r=16 on q_proj (896→896) and v_proj (896→128): 24 · 16 · ((896 + 896) + (896 + 128)) = 1,081,344
    expect(plan.counts.adapterParameters).toBe(1_081_344);
    expect(plan.parts.adapter).toBe(1_081_344 * 4);
    expect(plan.parts.optimizer).toBe(2 * plan.parts.adapter);
    expect(plan.parts.gradients).toBe(plan.parts.adapter);
  });

  test('optimizer state: AdamW 8 B per value, 8-bit AdamW as the trainer allocates it, SGD none', () => {
    const model = shapesOf(readJson('qwen2.5-instruct', 'config.qwen2.5-0.5b-instruct.resaved-4.49.json'));
    const plan = (optimizer: MemoryPlanInput['optimizer']) =>
      planMemory(base(model, { targetModules: 'all-linear', optimizer })).parts.optimizer;
    // r16 on all 7 projections: 8,798,208 values; bytes as adamw-8bit.test.ts counts the trainer's real state
    expect(plan('adamw_torch')).toBe(70_385_664);
    expect(plan('adamw_8bit')).toBe(18_460_160);
    expect(plan('sgd')).toBe(0);
  });

  test('TinyLlama-1.1B: 1,100,048,384 parameters, counted by hand from its config.json', () => {
    // 2 · 32000 · 2048 (embed + lm_head) + 22 · (2 · 2048² + 2 · 2048 · 256 + 3 · 2048 · 5632 + 2 · 2048) + 2048
    const model = shapesOf(readJson('tinyllama-1.1b-chat-v1.0', 'config.json'));
    expect(planMemory(base(model, { targetModules: 'all-linear' })).counts.baseParameters).toBe(
      1_100_048_384,
    );
  });

  test('GPT-2: 124,439,808 parameters, and LoRA on its fused c_attn (768 → 2304)', () => {
    // 50257 · 768 (tied wte) + 1024 · 768 (wpe) + 12 · (4 · 768 (ln_1, ln_2) + 768 · 2304 + 2304 + 768² + 768
    //   + 768 · 3072 + 3072 + 3072 · 768 + 768) + 2 · 768 (ln_f)
    const model = shapesOf(readJson('gpt2', 'config.json'));
    const plan = planMemory(base(model, { targetModules: ['c_attn'] }));
    expect(plan.counts.baseParameters).toBe(124_439_808);
    expect(plan.counts.adapterParameters).toBe(12 * 16 * (768 + 2304));
    // c_proj names both attn.c_proj (768 → 768) and mlp.c_proj (3072 → 768), as PEFT's suffix match does
    const cProj = planMemory(base(model, { targetModules: ['c_proj'] }));
    expect(cProj.counts.adapterParameters).toBe(12 * 16 * (768 + 768 + 3072 + 768));
  });

  test("Mistral-7B-v0.3: 7,248,023,552 parameters, and PEFT's 6,815,744 trainable for r 16 on q_proj, v_proj", () => {
    // models/fixtures/configs/mistral-7b-v0.3.json: 2 · 32768 · 4096 + 32 · (2 · 4096² + 2 · 4096 · 1024
    //   + 3 · 4096 · 14336 + 2 · 4096) + 4096; LoRA: 32 · 16 · ((4096 + 4096) + (4096 + 1024))
    const config = JSON.parse(
      readFileSync(new URL('../../models/fixtures/configs/mistral-7b-v0.3.json', import.meta.url), 'utf8'),
    ) as unknown;
    const plan = planMemory(base(shapesOf(config)));
    expect(plan.counts.baseParameters).toBe(7_248_023_552);
    expect(plan.counts.adapterParameters).toBe(6_815_744);
  });

  test('Gemma-2-2B-it: 2,614,341,888 parameters (four norms per layer), and 3,194,880 trainable for r 16 on q_proj, v_proj', () => {
    // 256000 · 2304 (tied) + 26 · (2304 · 2048 · 2 + 2304 · 1024 · 2 + 3 · 2304 · 9216 + 4 · 2304) + 2304;
    // LoRA: 26 · 16 · ((2304 + 2048) + (2304 + 1024))
    const presets = readJson('configs', 'mlc-llm-model-presets.json') as Record<string, unknown>;
    const plan = planMemory(base(shapesOf(presets.gemma2_2b)));
    expect(plan.counts.baseParameters).toBe(2_614_341_888);
    expect(plan.counts.adapterParameters).toBe(3_194_880);
  });

  test("a target naming one layer's linear (PEFT accepts it) is planned as that linear in every layer: high, not low", () => {
    const model = shapesOf(readJson('gpt2', 'config.json'));
    const one = planMemory(base(model, { targetModules: ['transformer.h.0.attn.c_attn'] }));
    const all = planMemory(base(model, { targetModules: ['c_attn'] }));
    expect(one.counts.adapterParameters).toBe(all.counts.adapterParameters);
    expect(() => planMemory(base(model, { targetModules: ['transformer.h.0.attn.q_proj'] }))).toThrow(
      /planMemory targetModules: expected names of gpt2's linears/,
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
  // a Llama-like layer by hand: q 8→8, k/v 8→4, o 8→8, gate/up 8→16, down 16→8
  const tiny: ModelShapes = {
    architecture: 'llama',
    vocabSize: 100,
    hiddenSize: 8,
    numLayers: 2,
    numHeads: 2,
    layerLinears: [
      { name: 'self_attn.q_proj', inFeatures: 8, outFeatures: 8 },
      { name: 'self_attn.k_proj', inFeatures: 8, outFeatures: 4 },
      { name: 'self_attn.v_proj', inFeatures: 8, outFeatures: 4 },
      { name: 'self_attn.o_proj', inFeatures: 8, outFeatures: 8 },
      { name: 'mlp.gate_proj', inFeatures: 8, outFeatures: 16 },
      { name: 'mlp.up_proj', inFeatures: 8, outFeatures: 16 },
      { name: 'mlp.down_proj', inFeatures: 16, outFeatures: 8 },
    ],
    denseElements: 2 * 100 * 8 + 2 * 2 * 8 + 8,
    denseTensors: [
      { name: 'model.embed_tokens.weight', elements: 800 },
      { name: 'model.layers.0.input_layernorm.weight', elements: 8 },
      { name: 'lm_head.weight', elements: 800 },
    ],
    lmHeadElements: 800,
    buffers: {
      keptPerToken: 12,
      keptPerScore: 1,
      sharedPerToken: 20,
      sharedPerScore: 3,
      outsidePerToken: 5,
      checkpointPerToken: 8,
    },
  };
  const fixed = { runtimeBytes: 1000, tokenizerBytes: 300 };

  test('activations, LoRA buffers and staging of a tiny model, by hand', () => {
    // N = B·T = 6, scores S = H·B·T² = 2·2·9 = 36. Kept per layer 12N + S = 108; shared 20N + 3S = 228; outside
    // 5N = 30. No checkpointing: 2 · 108 + 228 + 30 = 474 floats; checkpointing: 2 · 8N + 108 + 228 + 30 = 462
    const input = base(tiny, { quant: 'none', loraRank: 2, batchSize: 2, seqLen: 3, ...fixed });
    const plan = planMemory(input);
    expect(plan.parts.activations).toBe(474 * 4);
    expect(planMemory({ ...input, gradientCheckpointing: true }).parts.activations).toBe(462 * 4);
    expect(planMemory({ ...input, seqLen: 30 }).parts.activations).toBe(
      4 * (2 * (12 * 60 + 3600) + 20 * 60 + 3 * 3600 + 5 * 60),
    );
    // LoRA on q and v: per layer and target x·Aᵀ and its gradient, 2·N·r; with dropout also one x_d and its
    // gradient, 2·N·in, that every layer shares
    expect(plan.parts.loraBuffers).toBe(4 * 2 * 2 * (2 * 6 * 2));
    expect(planMemory({ ...input, loraDropout: 0.1 }).parts.loraBuffers).toBe(
      4 * (2 * 2 * (2 * 6 * 2) + 2 * 6 * 8),
    );
    // logits: 2·N·chunk + 6N floats
    expect(plan.parts.logitsChunk).toBe((2 * 6 * 100 + 36) * 4);
    expect(planMemory({ ...input, vocabChunk: 10 }).parts.logitsChunk).toBe((2 * 6 * 10 + 36) * 4);
    // staging: none for a dense model whose arrays are in the backend's memory; with float operands on the JS heap,
    // the lm head's weight (800) with a tile of N·chunk/V = 6 rows of logits (100) and inputs (8)
    expect(plan.parts.staging).toBe(0);
    expect(planMemory({ ...input, stagesOperands: true }).parts.staging).toBe(4 * (800 + 6 * 108));
    // a 4-bit model stages the codes and absmax of its largest linear (the codes stay on the JS heap)
    const q = planMemory({ ...input, quant: 'nf4', doubleQuant: false, blocksize: 64 });
    const largest = Math.max(...tiny.layerLinears.map((l) => l.inFeatures * l.outFeatures));
    expect(q.parts.staging).toBe(Math.ceil(largest / 2) + 16 * 4 + Math.ceil(largest / 64) * 4);
  });

  test('a sliding window keeps one (T, T) mask once the sequence is longer than it', () => {
    const input = base(tiny, { quant: 'none', loraRank: 2, batchSize: 2, seqLen: 3, ...fixed });
    const windowed = (w: number, seqLen = 3) =>
      planMemory({ ...input, seqLen, model: { ...tiny, buffers: { ...tiny.buffers, slidingWindow: w } } });
    expect(windowed(3).parts.activations).toBe(planMemory(input).parts.activations); // T ≤ window: no mask
    expect(windowed(2).parts.activations).toBe(planMemory(input).parts.activations + 4 * 9);
    expect(windowed(2, 30).parts.activations).toBe(
      planMemory({ ...input, seqLen: 30 }).parts.activations + 4 * 900,
    );
  });

  test('modules trained in full (modulesToSave) add their gradients and moments', () => {
    const lora = planMemory(base(tiny, fixed));
    const plan = planMemory(base(tiny, { ...fixed, modulesToSave: ['embed_tokens', 'lm_head'] }));
    expect(plan.counts.fullyTrainedParameters).toBe(1600);
    expect(plan.parts.gradients).toBe(lora.parts.gradients + 4 * 1600);
    expect(plan.parts.optimizer).toBe(lora.parts.optimizer + 8 * 1600);
    expect(plan.parts.adapter).toBe(lora.parts.adapter);
    expect(() => planMemory(base(tiny, { modulesToSave: ['wte'] }))).toThrow(
      'planMemory modulesToSave: expected names of modules with parameters (e.g. model.embed_tokens), got "wte"',
    );
  });

  test('the total is the larger of the load peak and the training peak', () => {
    const plan = planMemory(base(tiny, fixed));
    const { parts } = plan;
    const resident = parts.runtime + parts.tokenizer + parts.baseWeights;
    expect(plan.peaks.load).toBe(resident + parts.loadTransient);
    expect(parts.loadTransient).toBe(2 * 16 * 8 * 4); // the largest linear, 16·8, read as f32 and copied
    const sum = Object.values(parts).reduce((a, b) => a + b, 0);
    expect(plan.peaks.training).toBe(sum - parts.loadTransient);
    expect(plan.total).toBe(Math.max(plan.peaks.load, plan.peaks.training));
    const heavyLoad = planMemory({
      ...base(tiny),
      runtimeBytes: 0,
      tokenizerBytes: 0,
      stagesOperands: false,
    });
    expect(heavyLoad.total).toBe(Math.max(heavyLoad.peaks.load, heavyLoad.peaks.training));
  });

  test('base weights: f32 without quantization, 4-bit linears (embeddings and norms stay f32) with it', () => {
    const none = planMemory(base(tiny, { quant: 'none' }));
    expect(none.parts.baseWeights).toBe(none.counts.baseParameters * 4);
    expect(none.parts.loadTransient).toBe(0);
    const nf4 = planMemory(base(tiny));
    const linears = [8 * 8, 4 * 8, 4 * 8, 8 * 8, 16 * 8, 16 * 8, 8 * 16].reduce(
      (s, n) => s + quantizedWeightBytes(n),
      0,
    );
    expect(nf4.parts.baseWeights).toBe(2 * linears + tiny.denseElements * 4);
    expect(nf4.counts.quantizedParameters).toBe(2 * 576); // 64 + 32 + 32 + 64 + 128 + 128 + 128 per layer
  });

  test.each([
    [{ loraRank: 0 }, /planMemory loraRank: expected an integer > 0, got 0/],
    [
      { targetModules: ['q_proj', 'c_attn'] },
      /planMemory targetModules: expected names of llama's linears \(q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj\), got "c_attn"/,
    ],
    [{ quant: 'int8' }, /planMemory quant: expected 'nf4', 'fp4' or 'none', got "int8"/],
    [{ blocksize: 48 }, /planMemory blocksize: expected a power of two from 32 to 4096, got 48/],
    [
      { model: { vocabSize: 10 } },
      /planMemory model: expected memory shapes \(@lora\/models' memoryShapes\)/,
    ],
  ])('rejects %j', (change, message) => {
    const input = { ...base(tiny), ...(change as Partial<MemoryPlanInput>) };
    expect(() => planMemory(input)).toThrow(MemoryPlanError);
    expect(() => planMemory(input)).toThrow(message);
  });
});

describe('assertFits', () => {
  // TinyLlama's shape, by memoryShapes of its numbers
  const model = memoryShapes(
    parseModelConfig({
      model_type: 'llama',
      vocab_size: 32000,
      hidden_size: 2048,
      intermediate_size: 5632,
      num_hidden_layers: 22,
      num_attention_heads: 32,
      num_key_value_heads: 4,
    }),
  );
  const plan = planMemory(base(model, { batchSize: 4, seqLen: 1024 }));

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
