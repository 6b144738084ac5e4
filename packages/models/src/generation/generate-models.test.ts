// generate() on real tiny checkpoints of each architecture: the KV-cache path against recomputing the full forward.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniformStream } from '@lora/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CausalLM } from '../causal-lm.js';
import { ARCHITECTURES } from '../config.js';
import { writeTinyCheckpoint } from '../tiny-checkpoint.js';
import { generate } from './generate.js';
import { argmax, type LogitsSettings, processLogits } from './logits-processors.js';
import { sampleIndex } from './sampling.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lora-generate-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Greedy decoding without a cache: the whole sequence through logits() for every new token. */
async function greedyRecompute(model: CausalLM, prompt: number[], maxNew: number): Promise<number[]> {
  const ids = [...prompt];
  const V = model.config.vocabSize;
  for (let n = 0; n < maxNew; n++) {
    const logits = await model.logits(Int32Array.from(ids), 1, ids.length); // (1, T, V)
    ids.push(argmax(logits.subarray((ids.length - 1) * V)));
  }
  return ids.slice(prompt.length);
}

/** The same without a cache, through the processors and stream 0 of `seed`, as generate() draws for a lone prompt. */
async function sampleRecompute(
  model: CausalLM,
  prompt: number[],
  maxNew: number,
  settings: LogitsSettings,
  seed: number,
): Promise<number[]> {
  const ids = [...prompt];
  const V = model.config.vocabSize;
  const rng = uniformStream(seed, 0);
  for (let n = 0; n < maxNew; n++) {
    const logits = await model.logits(Int32Array.from(ids), 1, ids.length); // (1, T, V)
    ids.push(sampleIndex(processLogits(logits.subarray((ids.length - 1) * V), ids, settings), rng()));
  }
  return ids.slice(prompt.length);
}

// sampling hot and penalising repeats, so the tiny random models do not settle on one token
const SAMPLED = { doSample: true, temperature: 1.3, topK: 0, topP: 1, repetitionPenalty: 1.3 };

const PROMPTS = [
  [5, 17, 42, 9, 77, 3, 61],
  [88, 12, 30],
];
const NEW = 10;

describe.each(ARCHITECTURES)('%s tiny checkpoint', (architecture) => {
  let model: CausalLM;
  beforeAll(async () => {
    const { dir } = await writeTinyCheckpoint(join(root, architecture), architecture, { seed: 7 });
    model = await CausalLM.load(dir);
  });

  test('greedy with the KV cache equals greedy recomputing the full forward each step', async () => {
    for (const prompt of PROMPTS) {
      const { tokens, finishReasons } = await generate(model, [prompt], {
        maxNewTokens: NEW,
        eosTokenIds: [],
      });
      expect(tokens[0]).toEqual(await greedyRecompute(model, prompt, NEW));
      expect(finishReasons).toEqual(['length']);
    }
  });

  test('seeded sampling with the KV cache equals sampling recomputing the full forward', async () => {
    for (const prompt of PROMPTS) {
      const tokens = (
        await generate(model, [prompt], { ...SAMPLED, maxNewTokens: NEW, eosTokenIds: [], seed: 4 })
      ).tokens[0]!;
      expect(tokens).toEqual(await sampleRecompute(model, prompt, NEW, SAMPLED, 4));
      expect(new Set(tokens).size).toBeGreaterThan(NEW / 2); // a varied sequence, not one token repeated
    }
  });

  test('a left-padded batch of 2 prompts equals each prompt run alone (greedy and seeded sampling)', async () => {
    const greedy = { maxNewTokens: NEW, eosTokenIds: [], repetitionPenalty: 1.3 };
    const batch = (await generate(model, PROMPTS, greedy)).tokens;
    const alone: number[][] = [];
    for (const p of PROMPTS) alone.push((await generate(model, [p], greedy)).tokens[0]!);
    expect(batch).toEqual(alone);
    // the short, padded prompt in row 0 draws from stream 0 of the seed, as it does alone
    const sampled = { ...SAMPLED, maxNewTokens: NEW, eosTokenIds: [], seed: 9 };
    const short = PROMPTS[1]!;
    expect((await generate(model, [short, PROMPTS[0]!], sampled)).tokens[0]).toEqual(
      (await generate(model, [short], sampled)).tokens[0],
    );
  });
});
