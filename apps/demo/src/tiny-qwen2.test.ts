import { tensorSpecs, tinyCheckpointTensors } from '@lora/models';
import { describe, expect, test } from 'vitest';
import { DEMO_MODEL, tinyQwen2 } from './tiny-qwen2.js';

const options = { vocabSize: 397, bosTokenId: 0, eosTokenId: 2, seed: 1 };

describe('tinyQwen2', () => {
  test('a Qwen2 of the demo sizes, the vocabulary rounded up to a multiple of 8, the tokenizer special ids', () => {
    const base = tinyQwen2(options);
    expect(base.raw).toMatchObject({ ...DEMO_MODEL, model_type: 'qwen2', vocab_size: 400 });
    expect(base.config).toMatchObject({
      architecture: 'qwen2',
      hiddenSize: 64,
      numLayers: 2,
      numHeads: 4,
      numKvHeads: 2,
      vocabSize: 400,
      bosTokenId: 0,
      eosTokenIds: [2],
      tieWordEmbeddings: true,
    });
  });

  test("holds every tensor the architecture names, at its shape, as @lora/models' generator made it", () => {
    const base = tinyQwen2(options);
    const specs = tensorSpecs(base.config);
    expect([...base.tensors.keys()].sort()).toEqual(specs.map((s) => s.name).sort());
    for (const s of specs)
      expect(base.tensors.get(s.name)!.length, s.name).toBe(s.shape.reduce((a, b) => a * b, 1));
    const direct = tinyCheckpointTensors('qwen2', { seed: 1, overrides: { ...base.raw } });
    for (const [name, t] of Object.entries(direct.tensors))
      expect(base.tensors.get(name), name).toEqual(t.data);
  });

  test('the seed picks the weights', () => {
    const a = tinyQwen2(options).tensors.get('model.embed_tokens.weight')!;
    expect(tinyQwen2(options).tensors.get('model.embed_tokens.weight')).toEqual(a);
    expect(tinyQwen2({ ...options, seed: 2 }).tensors.get('model.embed_tokens.weight')).not.toEqual(a);
  });
});
