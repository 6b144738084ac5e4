import { type DeviceMemory, hostMemory, onOpaqueBackend, type Parameter, toHost } from '@lora/core';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import type { CausalLM } from './causal-lm.js';
import { ModelInputError } from './errors.js';
import { blockRows, RowBlocks } from './row-blocks.js';
import { ARCHS, host, microModel } from './test-support.test-support.js';

/** The host memory posing as a device whose largest array is `bytes` (a GPU's largest storage binding). */
const limited = (bytes: number): DeviceMemory =>
  Object.assign(Object.create(hostMemory), { name: 'small', maxArrayBytes: bytes });

describe('blockRows', () => {
  test.each([
    // rows, cols, limit, align → rows per block
    [40, 8, undefined, 1, 40],
    [40, 8, 4 * 40 * 8, 1, 40], // fits exactly: one block
    [40, 8, 400, 1, 12], // ⌊400 / 32⌋
    [40, 8, 400, 4, 12],
    [40, 8, 400, 5, 10], // whole vocabulary chunks of 5
    [40, 8, 400, 16, 12], // a chunk larger than a block: the block as it is (the chunk shrinks to it)
    [151_936, 1536, 128 * 2 ** 20, 8192, 16_384], // Qwen2.5-1.5B's embedding under WebGPU's default limit
  ])('%i × %i under %s B, chunks of %i: %i rows per block', (rows, cols, limit, align, expected) => {
    expect(blockRows('t', rows, cols, limit, align)).toBe(expected);
  });

  test('refuses a tensor whose single row is above the limit, naming it', () => {
    expect(() => blockRows('model.embed_tokens.weight', 10, 300, 1000)).toThrow(ModelInputError);
    expect(() => blockRows('model.embed_tokens.weight', 10, 300, 1000)).toThrow(
      'tensor "model.embed_tokens.weight": one row of 300 f32 needs 1.2 kB, above the memory\'s largest array of 1.0 kB (a tensor is split by whole rows)',
    );
  });
});

describe('RowBlocks.moveTo', () => {
  test('splits values and gradients into named row blocks within the limit, and joins them back', async () => {
    const data = Float32Array.from({ length: 10 * 3 }, (_, i) => i);
    const p: Parameter = { name: 'w', shape: [10, 3], data, grad: undefined, trainable: true, decay: true };
    p.grad = data.map((v) => -v);
    const t = new RowBlocks(p);
    await t.moveTo(limited(4 * 3 * 4), 2); // 4 rows fit, in chunks of 2
    expect(t.parts.map((b) => [b.name, b.shape, b.rowBlock, b.trainable])).toEqual([
      ['w', [4, 3], { rowStart: 0, rows: 10 }, true],
      ['w', [4, 3], { rowStart: 4, rows: 10 }, true],
      ['w', [2, 3], { rowStart: 8, rows: 10 }, true],
    ]);
    expect(t.parts[0]).toBe(p); // holders of the parameter (an adapter's modules_to_save) keep it
    expect(Array.from(host(t.parts[2]!.grad!))).toEqual([-24, -25, -26, -27, -28, -29]);
    expect(Array.from(await t.read())).toEqual(Array.from(data));
    await t.moveTo(hostMemory);
    expect(t.parts).toEqual([p]);
    expect(t.parts[0]!.rowBlock).toBeUndefined();
    expect(t.parts[0]!.shape).toEqual([10, 3]);
    expect(Array.from(host(t.parts[0]!.grad!))).toEqual(Array.from(data, (v) => -v));
  });
});

// Vocabulary 100 and hidden 8: each table is 3,200 B; under 800 B it is 4 blocks of 25 rows, the lm head's 4 of 24
// (whole chunks of 4) and one of 4 (GPT-2's 32 positions: 25 and 7), while every other tensor (768 B at most) stays whole. B 2, T 6, padded,
// ids spread over every block.
const VOCAB = 100;
const LIMIT = 800;
const CHUNK = 4;
const batch = {
  inputIds: Int32Array.from([3, 97, 45, 28, 0, 0, 0, 72, 99, 24, 57, 96]),
  labels: Int32Array.from([-100, 97, 45, 28, -100, -100, -100, -100, 99, 24, 57, 96]),
  attentionMask: Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1]),
  batch: 2,
  seqLen: 6,
};

/** Each parameter's values and gradient by name, row blocks joined. */
async function byName(model: CausalLM): Promise<Map<string, { data: number[]; grad: number[] }>> {
  const out = new Map<string, { data: number[]; grad: number[] }>();
  for (const p of model.parameters()) {
    const entry = out.get(p.name) ?? { data: [], grad: [] };
    entry.data.push(...(await toHost(p.data)));
    if (p.grad) entry.grad.push(...(await toHost(p.grad)));
    out.set(p.name, entry);
  }
  return out;
}

describe.each(ARCHS)('CausalLM %s with its tables split into row blocks', (arch) => {
  test.each([true, false])('tied %s: the losses, logits and gradients of the whole model', async (tied) => {
    if (arch === 'gemma' && !tied) return; // Gemma always ties its embeddings
    const make = async (split: boolean) => {
      const config = {
        vocab_size: VOCAB,
        tie_word_embeddings: tied,
        ...(arch === 'gpt2' ? { n_positions: 32 } : {}),
      };
      const model = microModel(arch, 1, 'f32', config);
      model.vocabChunk = CHUNK;
      await model.useMemory(split ? limited(LIMIT) : hostMemory);
      model.setTrainable(() => true);
      return model;
    };
    const [whole, split] = [await make(false), await make(true)];
    const blocks = split.parameters().filter((p) => p.rowBlock);
    const head = [24, 24, 24, 24, 4]; // the lm head's blocks hold whole chunks of 4 rows; an untied embedding's need not
    expect(blocks.map((p) => p.shape[0])).toEqual([
      ...(tied ? head : [25, 25, 25, 25]),
      ...(arch === 'gpt2' ? [25, 7] : []),
      ...(tied ? [] : head),
    ]);
    for (const p of split.parameters()) expect(4 * p.data.length).toBeLessThanOrEqual(LIMIT);
    // forward only: vocabulary chunks, each within one block
    const scoring = { training: false, backward: false };
    expect(await split.step(batch, scoring)).toEqual(await whole.step(batch, scoring));
    // forward and backward: the fused loss over tiles of rows
    const training = { training: true, backward: true, lossScale: 0.5 };
    expect(await split.step(batch, training)).toEqual(await whole.step(batch, training));
    const [a, b] = [await byName(whole), await byName(split)];
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, { data, grad }] of a) {
      expect(b.get(name)!.data, name).toEqual(data);
      // the lm head's gradient is its blocks' own (n, rows)ᵀ · (n, C) products; the hidden states' gradient sums
      // one (n, rows) · (rows, C) product per block, each rounded to f32, where the whole weight's is rounded once
      if (name === 'lm_head.weight') expect(b.get(name)!.grad, name).toEqual(grad);
      else expectClose(b.get(name)!.grad, grad, { rtol: 1e-5, atol: 1e-6 }, name);
    }
    expect(await split.logits(batch.inputIds, 2, 6, batch.attentionMask)).toEqual(
      await whole.logits(batch.inputIds, 2, 6, batch.attentionMask),
    );
    const [wc, sc] = [whole.createKvCache(2, 8), split.createKvCache(2, 8)];
    const prompt = batch.inputIds.subarray(0, 2 * 3);
    expect(await split.forwardIncremental(prompt, 2, 3, sc)).toEqual(
      await whole.forwardIncremental(prompt, 2, 3, wc),
    );
    expect(await split.exportWeights()).toEqual(await whole.exportWeights());
  });
});

describe('CausalLM on a device whose largest array is 1,200 B (the opaque backend with a cap)', () => {
  // 1,200 B holds the micro models' largest activation (GPT-2's (N, 3C) = 1,152 B); the tables split into 36, 36, 28
  test.each(ARCHS)(
    '%s: no array above the cap, and the losses of the whole model on the host',
    async (arch) => {
      const config = { vocab_size: VOCAB, ...(arch === 'gpt2' ? { n_positions: 32 } : {}) };
      const make = () => {
        const model = microModel(arch, 1, 'f32', config);
        model.vocabChunk = CHUNK;
        model.setTrainable(() => true);
        return model;
      };
      const whole = make();
      const scoring = { training: false, backward: false };
      const training = { training: true, backward: true };
      const prompt = batch.inputIds.subarray(0, 2 * 3);
      const expected = {
        scoring: await whole.step(batch, scoring),
        training: await whole.step(batch, training),
        params: await byName(whole),
        next: await whole.forwardIncremental(prompt, 2, 3, whole.createKvCache(2, 8)),
        logits: await whole.logits(batch.inputIds, 2, 6, batch.attentionMask),
      };
      const split = make();
      await onOpaqueBackend(async (memory) => {
        memory.maxArrayBytes = 1200;
        try {
          await split.useMemory(memory);
          expect(
            split
              .parameters()
              .filter((p) => p.rowBlock)
              .map((p) => p.shape[0]),
          ).toEqual(
            arch === 'llama' || arch === 'mistral' || arch === 'phi3'
              ? [37, 37, 26, 36, 36, 28]
              : [36, 36, 28],
          );
          expect(await split.step(batch, scoring)).toEqual(expected.scoring);
          expect(await split.step(batch, training)).toEqual(expected.training);
          const got = await byName(split);
          for (const [name, { grad }] of expected.params)
            expectClose(got.get(name)!.grad, grad, { rtol: 1e-5, atol: 1e-6 }, name);
          expect(await split.forwardIncremental(prompt, 2, 3, split.createKvCache(2, 8))).toEqual(
            expected.next,
          );
          // (12, 100) logits are 4,800 B: made in chunks of 3 rows (1,200 B), read into one host array
          const reads = memory.reads.length;
          expect(await split.logits(batch.inputIds, 2, 6, batch.attentionMask)).toEqual(expected.logits);
          expect(memory.reads.slice(reads).filter((n) => n === 3 * VOCAB)).toHaveLength(4);
          memory.maxArrayBytes = 399; // below one row of 100 f32 logits: refused before anything runs
          await expect(split.logits(batch.inputIds, 2, 6, batch.attentionMask)).rejects.toThrow(
            new ModelInputError(
              "logits: one row of 100 f32 logits needs 400 B, above the memory's largest array of 399 B",
            ),
          );
          expect(memory.reads.length).toBe(reads + 4);
        } finally {
          memory.maxArrayBytes = undefined;
        }
      });
    },
  );
});
