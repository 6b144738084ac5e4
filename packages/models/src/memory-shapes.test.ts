// memoryShapes against the models themselves: its tensor counts against the parameters a model holds, and its
// per-token and per-score buffer counts against the bytes a real training step allocates in its memory.
import { describe, expect, test } from 'vitest';
import { shiftedTargets } from './batch.js';
import type { CausalLM } from './causal-lm.js';
import { lmHeadTileRows } from './lm-head.js';
import { memoryShapes } from './memory-shapes.js';
import { ARCHS, microModel, SlabMemory } from './test-support.test-support.js';

const LINEARS = {
  llama: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
  qwen2: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
  gemma: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
  gemma2: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
  gpt2: ['c_attn', 'c_proj', 'c_fc', 'c_proj'],
  mistral: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
  phi3: ['qkv_proj', 'o_proj', 'gate_up_proj', 'down_proj'],
};

const padded = {
  inputIds: Int32Array.from([3, 7, 1, 0, 0, 0, 0, 9, 2, 10]),
  labels: Int32Array.from([-100, 7, 1, -100, -100, -100, -100, -100, 2, 10]),
  attentionMask: Uint8Array.from([1, 1, 1, 0, 0, 0, 0, 1, 1, 1]),
  batch: 2,
  seqLen: 5,
};
const long = {
  inputIds: Int32Array.from([5, 4, 3, 2, 1, 9, 8, 7]),
  labels: Int32Array.from([5, 4, 3, 2, 1, 9, 8, 7]),
  batch: 1,
  seqLen: 8,
};

/** Bytes a frozen model's first training step allocates in a fresh SlabMemory. */
async function stepBytes(
  model: CausalLM,
  batch: typeof long,
  gradientCheckpointing: boolean,
): Promise<number> {
  const memory = new SlabMemory();
  await model.useMemory(memory);
  const before = memory.allocated.length;
  await model.step(batch, { training: true, backward: true, lossScale: 1, gradientCheckpointing });
  return memory.allocated.slice(before).reduce((s, a) => s + (a as Float32Array).byteLength, 0);
}

describe.each(ARCHS)('memoryShapes of a micro %s', (arch) => {
  test('its tensors are the model parameters: linears by layer-relative name, the rest dense', () => {
    const model = microModel(arch, 1, 'f32');
    const shapes = memoryShapes(model.config);
    expect(shapes.layerLinears.map((l) => l.name.split('.').at(-1))).toEqual(LINEARS[arch]);
    const linears = shapes.layerLinears.reduce((s, l) => s + l.inFeatures * l.outFeatures, 0);
    const total = model.parameters().reduce((s, p) => s + p.data.length, 0);
    expect(shapes.numLayers * linears + shapes.denseElements).toBe(total);
    expect(shapes.lmHeadElements).toBe(model.config.vocabSize * model.config.hiddenSize);
    const linearNames = new Set(model.linearModules().keys());
    const dense = model
      .parameters()
      .filter((p) => !(p.name.endsWith('.weight') && linearNames.has(p.name.slice(0, -7))));
    expect(shapes.denseTensors).toEqual(dense.map((p) => ({ name: p.name, elements: p.data.length })));
    const first = model
      .linearModules()
      .get(`${arch === 'gpt2' ? 'transformer.h' : 'model.layers'}.0.${shapes.layerLinears[0]!.name}`);
    expect([first?.inFeatures, first?.outFeatures]).toEqual([
      shapes.layerLinears[0]!.inFeatures,
      shapes.layerLinears[0]!.outFeatures,
    ]);
  });

  test.each([
    ['padded batch 2 × 5', padded],
    ['one row of 8', long],
  ])('a training step allocates exactly what its buffer shapes say (%s)', async (_label, batch) => {
    const {
      buffers: b,
      numLayers: L,
      numHeads: H,
      vocabSize: V,
      hiddenSize: C,
    } = memoryShapes(microModel(arch).config);
    const N = batch.batch * batch.seqLen;
    const S = H * batch.batch * batch.seqLen ** 2; // attention scores: heads · rows · T²
    const M = Array.from(shiftedTargets(batch, V)).filter((t) => t >= 0).length; // rows with a target
    // the gradient overwrites the tile's logits, unless a softcap's backward reads them after (Gemma 2)
    const tileBuffers = microModel(arch).config.finalLogitSoftcapping === undefined ? 1 : 2;
    const tile = lmHeadTileRows(M, V, (2 / tileBuffers) * 8192);
    // the lm head's rows and their gradient hold M rows, not N; its tile: logits (and dlogits), scale, five row
    // stats and the argmax index; step() adds 3 stats
    const head = 4 * (-2 * (N - M) * C + (tileBuffers * V + 7) * tile + 3);
    // a sliding window keeps one (T, T) mask for all layers (Mistral's micro window is 2)
    const mask = b.slidingWindow !== undefined && batch.seqLen > b.slidingWindow ? batch.seqLen ** 2 : 0;
    const common = 4 * (N * b.sharedPerToken + S * b.sharedPerScore + N * b.outsidePerToken + mask) + head;
    const layer = N * b.keptPerToken + S * b.keptPerScore;
    expect(await stepBytes(microModel(arch, 1, 'f32'), batch, false)).toBe(4 * L * layer + common);
    expect(await stepBytes(microModel(arch, 1, 'f32'), batch, true)).toBe(
      4 * (L * N * b.checkpointPerToken + layer) + common,
    );
  });
});
