import { uniformStream } from '@lora/core';
import { describe, expect, test } from 'vitest';
import { GenerationError } from './errors.js';
import { type GenerationModel, generate } from './generate.js';

const V = 12;

/** What a fake model's cache records: every token fed per row, and whether it was real. */
class FakeCache {
  readonly ids: number[][];
  readonly real: boolean[][];
  constructor(
    readonly batch: number,
    readonly capacity: number,
  ) {
    this.ids = Array.from({ length: batch }, () => []);
    this.real = Array.from({ length: batch }, () => []);
  }
}

/**
 * A model whose next-token logits are a seeded pseudo-random function of the whole history of real tokens of a row
 * (order included), so a wrong token fed, a padding slot read as real or a lost cache entry changes the output.
 * `table` overrides the logits after a given last token, to script eos and repetition.
 */
class HistoryModel implements GenerationModel<FakeCache> {
  readonly config;
  readonly calls: { batch: number; newTokens: number; mask: number[] }[] = [];
  constructor(
    eos: number[] = [],
    readonly table: Record<number, number[]> = {},
    extra: { architecture?: 'llama' | 'gpt2'; maxPositions?: number } = {},
  ) {
    this.config = {
      vocabSize: V,
      eosTokenIds: eos,
      padTokenId: undefined,
      maxPositions: extra.maxPositions ?? 1024,
      architecture: extra.architecture ?? ('llama' as const),
    };
  }

  /** Logits after `history` (real tokens only): the oracle generate() is compared against. */
  nextLogits(history: readonly number[]): Float32Array {
    const last = history.at(-1)!;
    if (this.table[last]) return Float32Array.from(this.table[last]!);
    let h = 17;
    for (const id of history) h = (Math.imul(h, 31) + id + 1) >>> 0;
    const rng = uniformStream(h);
    return Float32Array.from({ length: V }, () => 4 * rng() - 2);
  }

  createKvCache(batch: number, maxTokens: number): FakeCache {
    return new FakeCache(batch, maxTokens);
  }

  async forwardIncremental(
    inputIds: Int32Array,
    batch: number,
    newTokens: number,
    cache: FakeCache,
    attentionMask?: Uint8Array,
  ): Promise<Float32Array> {
    expect(inputIds.length).toBe(batch * newTokens);
    expect(attentionMask?.length ?? batch * newTokens).toBe(batch * newTokens);
    this.calls.push({ batch, newTokens, mask: [...(attentionMask ?? [])] });
    const out = new Float32Array(batch * V); // (B, V)
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < newTokens; i++) {
        cache.ids[b]!.push(inputIds[b * newTokens + i]!);
        cache.real[b]!.push(!attentionMask || attentionMask[b * newTokens + i] === 1);
      }
      if (cache.ids[b]!.length > cache.capacity)
        throw new Error(`fake: KV cache of ${cache.capacity} overflowed`);
      const history = cache.ids[b]!.filter((_, t) => cache.real[b]![t]);
      if (history.length > 0) out.set(this.nextLogits(history), b * V);
    }
    return out;
  }
}

/** Greedy decoding by the definition: argmax of the logits after the full history, one token at a time. */
function greedyOracle(model: HistoryModel, prompt: number[], maxNew: number, eos: number[] = []): number[] {
  const history = [...prompt];
  const out: number[] = [];
  while (out.length < maxNew) {
    const logits = model.nextLogits(history);
    const token = logits.indexOf(Math.max(...logits));
    out.push(token);
    history.push(token);
    if (eos.includes(token)) break;
  }
  return out;
}

const PROMPTS = [
  [3, 1, 4, 1, 5],
  [9, 2],
  [6, 5, 3, 5],
];

describe('generate with a fake history model', async () => {
  test('greedy equals the oracle; one prefill of the left-padded batch, then one token per step', async () => {
    const model = new HistoryModel();
    const result = await generate(model, PROMPTS, { maxNewTokens: 6 });
    expect(result.tokens).toEqual(PROMPTS.map((p) => greedyOracle(model, p, 6)));
    expect(result.finishReasons).toEqual(['length', 'length', 'length']);
    expect(model.calls[0]).toEqual({
      batch: 3,
      newTokens: 5,
      mask: [1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1],
    });
    expect(model.calls.slice(1).map((c) => c.newTokens)).toEqual([1, 1, 1, 1, 1]);
  });

  test('a batch of prompts of different lengths equals each run alone', async () => {
    const model = new HistoryModel();
    const batch = await generate(model, PROMPTS, { maxNewTokens: 7 });
    const alone = await Promise.all(PROMPTS.map((p) => generate(model, [p], { maxNewTokens: 7 })));
    expect(batch.tokens).toEqual(alone.map((r) => r.tokens[0]));
  });

  test('the same seed gives the same sample; other seeds differ; greedy ignores the seed', async () => {
    const model = new HistoryModel();
    const sample = async (seed: number) =>
      (await generate(model, PROMPTS, { maxNewTokens: 10, doSample: true, seed })).tokens;
    expect(await sample(5)).toEqual(await sample(5));
    expect(await sample(5)).not.toEqual(await sample(6));
    expect((await generate(model, PROMPTS, { maxNewTokens: 4, seed: 1 })).tokens).toEqual(
      (await generate(model, PROMPTS, { maxNewTokens: 4, seed: 2 })).tokens,
    );
  });

  test('row b of a batch samples from stream b: the same row at the same index gives the same text', async () => {
    const model = new HistoryModel();
    const options = { maxNewTokens: 8, doSample: true, topK: 0, seed: 99 };
    const full = (await generate(model, PROMPTS, options)).tokens;
    const other = (await generate(model, [[7, 7, 7, 7, 7, 7, 7], PROMPTS[1]!, [0]], options)).tokens; // different neighbours and padding
    expect(other[1]).toEqual(full[1]);
  });

  test('top-k 1 sampling equals greedy', async () => {
    const model = new HistoryModel();
    const greedy = (await generate(model, PROMPTS, { maxNewTokens: 6 })).tokens;
    expect(
      (await generate(model, PROMPTS, { maxNewTokens: 6, doSample: true, topK: 1, seed: 3 })).tokens,
    ).toEqual(greedy);
  });

  test('several eos ids: a finished row stops growing and feeds masked padding while the others go on', async () => {
    // after 4 the next token is 10 (an eos), after 2 it is 11 (the other eos)
    const table = { 4: oneHot(10), 2: oneHot(11) };
    const model = new HistoryModel([10, 11], table);
    const prompts = [
      [1, 4],
      [9, 2],
      [0, 0, 0],
    ];
    const onToken: [number, number][] = [];
    const result = await generate(model, prompts, { maxNewTokens: 5 }, (b, id) => onToken.push([b, id]));
    expect(result.tokens[0]).toEqual([10]);
    expect(result.tokens[1]).toEqual([11]);
    expect(result.tokens[2]).toEqual(greedyOracle(model, [0, 0, 0], 5, [10, 11]));
    expect(result.finishReasons.slice(0, 2)).toEqual(['stop', 'stop']);
    expect(model.calls[1]?.mask).toEqual([0, 0, 1]); // finished rows feed padding
    // streaming: every token once, in order, rows ascending within a step
    expect(onToken.slice(0, 3)).toEqual([
      [0, 10],
      [1, 11],
      [2, result.tokens[2]![0]!],
    ]);
    expect(onToken.filter(([b]) => b === 2).map(([, id]) => id)).toEqual(result.tokens[2]);
    expect(onToken).toHaveLength(2 + result.tokens[2]!.length);
  });

  test('stops early once every row has finished, within the KV cache it sized', async () => {
    const model = new HistoryModel([10], { 4: oneHot(10) });
    const result = await generate(model, [[4], [1, 2, 4]], { maxNewTokens: 50 });
    expect(result).toEqual({ tokens: [[10], [10]], finishReasons: ['stop', 'stop'] });
    expect(model.calls).toHaveLength(1);
  });

  test('eos ids default to the generation config, then the model', async () => {
    const model = new HistoryModel([10], { 4: oneHot(10), 10: oneHot(11), 11: oneHot(4) });
    expect((await generate(model, [[4]], { maxNewTokens: 5 })).tokens[0]).toEqual([10]);
    expect(
      (await generate(model, [[4]], { maxNewTokens: 5, generationConfig: { eosTokenIds: [11] } })).tokens[0],
    ).toEqual([10, 11]);
    expect(
      await generate(model, [[4]], {
        maxNewTokens: 5,
        eosTokenIds: [],
        generationConfig: { eosTokenIds: [11] },
      }),
    ).toEqual({
      tokens: [[10, 11, 4, 10, 11]],
      finishReasons: ['length'],
    });
  });

  test('maxNewTokens from the generation config, explicit options winning', async () => {
    const model = new HistoryModel();
    expect(
      (await generate(model, PROMPTS, { generationConfig: { maxNewTokens: 3 } })).tokens.map((t) => t.length),
    ).toEqual([3, 3, 3]);
    expect(
      (await generate(model, PROMPTS, { maxNewTokens: 2, generationConfig: { maxNewTokens: 3 } })).tokens.map(
        (t) => t.length,
      ),
    ).toEqual([2, 2, 2]);
    expect((await generate(model, PROMPTS)).tokens.map((t) => t.length)).toEqual([15, 15, 15]); // max_length 20 − 5
  });

  test('repetition penalty sees the prompt and the new tokens', async () => {
    // logits favour 5, then 6, then 7: each chosen token is penalised next time
    const flat = [0, 0, 0, 0, 0, 3, 2.5, 2, 0, 0, 0, 0];
    const table = Object.fromEntries(Array.from({ length: V }, (_, id) => [id, flat]));
    const model = new HistoryModel([], table);
    expect((await generate(model, [[1]], { maxNewTokens: 3 })).tokens[0]).toEqual([5, 5, 5]);
    expect((await generate(model, [[1]], { maxNewTokens: 3, repetitionPenalty: 2 })).tokens[0]).toEqual([
      5, 6, 7,
    ]); // 3/2 < 2.5, then 2.5/2 < 2
    expect((await generate(model, [[5]], { maxNewTokens: 2, repetitionPenalty: 2 })).tokens[0]).toEqual([
      6, 7,
    ]); // the prompt counts
  });

  test('stop strings end a row with reason stop', async () => {
    const letters = 'abcdefghijkl';
    const model = new HistoryModel([], { 0: oneHot(1), 1: oneHot(2), 2: oneHot(3), 3: oneHot(0) });
    const decode = (ids: number[]) => ids.map((id) => letters[id]).join('');
    const result = await generate(model, [[0], [2]], { maxNewTokens: 10, stopStrings: ['cda'], decode });
    expect(result.tokens).toEqual([
      [1, 2, 3, 0],
      [3, 0, 1, 2, 3, 0],
    ]);
    expect(result.finishReasons).toEqual(['stop', 'stop']);
  });

  test.each([
    {
      prompts: [] as number[][],
      options: {},
      message: 'prompts expected a non-empty array of token id arrays, got 0',
    },
    { prompts: [[1], []], options: {}, message: 'prompts[1] expected at least one token id, got []' },
    { prompts: [[1, 12]], options: {}, message: 'prompts[0][1] expected a token id in [0, 12), got 12' },
    { prompts: [[1, 2.5]], options: {}, message: 'prompts[0][1] expected a token id in [0, 12), got 2.5' },
    { prompts: [[1]], options: { topP: -1 }, message: 'topP expected a number in [0, 1], got -1' },
  ])('refuses $prompts with $options', async ({ prompts, options, message }) => {
    await expect(generate(new HistoryModel(), prompts, options)).rejects.toThrow(
      new GenerationError(`generate: ${message}`),
    );
  });

  test('refuses more tokens than learned positions hold (GPT-2)', async () => {
    const model = new HistoryModel([], {}, { architecture: 'gpt2', maxPositions: 8 });
    expect((await generate(model, [[1, 2, 3]], { maxNewTokens: 6 })).tokens[0]).toHaveLength(6); // positions 0..7
    await expect(generate(model, [[1, 2, 3]], { maxNewTokens: 7 })).rejects.toThrow(
      new GenerationError(
        'generate: longest prompt (3) + maxNewTokens (7) − 1 expected at most n_positions = 8, got 9',
      ),
    );
  });

  test('non-finite logits are reported, not sampled', async () => {
    const model = new HistoryModel([], { 1: Array<number>(V).fill(Number.NaN) });
    await expect(generate(model, [[1]], { maxNewTokens: 2 })).rejects.toThrow(
      new GenerationError('generate: logits of row 0 at new token 0 expected finite values, got NaN'),
    );
  });
});

function oneHot(id: number): number[] {
  return Array.from({ length: V }, (_, i) => (i === id ? 5 : 0));
}
