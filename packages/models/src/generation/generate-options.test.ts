import { describe, expect, test } from 'vitest';
import { GenerationError } from './errors.js';
import { type GenerateOptions, resolveGenerateOptions } from './generate-options.js';

const model = { vocabSize: 200, eosTokenIds: [121], padTokenId: undefined };
const resolve = (options: GenerateOptions, longestPrompt = 5) =>
  resolveGenerateOptions({ seed: 1, ...options }, model, longestPrompt);

describe('resolveGenerateOptions', () => {
  test("transformers' GenerationConfig defaults: greedy, top-k 50, max_length 20, the model's eos", () => {
    expect(resolve({})).toEqual({
      doSample: false,
      temperature: 1,
      topK: 50,
      topP: 1,
      minP: undefined,
      repetitionPenalty: 1,
      maxNewTokens: 15,
      eosTokenIds: new Set([121]),
      padTokenId: 121,
      seed: 1,
    });
  });

  const qwen = {
    doSample: true,
    temperature: 0.7,
    topP: 0.8,
    topK: 20,
    repetitionPenalty: 1.05,
    eosTokenIds: [151, 150],
    padTokenId: 150,
  };

  test.each([
    {
      name: 'generation config over the defaults',
      options: { generationConfig: qwen },
      expected: {
        doSample: true,
        temperature: 0.7,
        topP: 0.8,
        topK: 20,
        repetitionPenalty: 1.05,
        eos: [151, 150],
        pad: 150,
      },
    },
    {
      name: 'explicit options over the generation config',
      options: { generationConfig: qwen, temperature: 1.2, topK: 0, eosTokenIds: 7, padTokenId: 3 },
      expected: {
        doSample: true,
        temperature: 1.2,
        topP: 0.8,
        topK: 0,
        repetitionPenalty: 1.05,
        eos: [7],
        pad: 3,
      },
    },
    {
      name: 'temperature 0 means greedy',
      options: { doSample: true, temperature: 0 },
      expected: {
        doSample: false,
        temperature: 0,
        topP: 1,
        topK: 50,
        repetitionPenalty: 1,
        eos: [121],
        pad: 121,
      },
    },
    {
      name: 'no eos ids at all',
      options: { eosTokenIds: [] as number[] },
      expected: { doSample: false, temperature: 1, topP: 1, topK: 50, repetitionPenalty: 1, eos: [], pad: 0 },
    },
  ])('$name', ({ options, expected }) => {
    const r = resolve(options);
    const { eos, pad, ...settings } = expected;
    expect(r).toMatchObject(settings);
    expect([...r.eosTokenIds]).toEqual(eos);
    expect(r.padTokenId).toBe(pad);
  });

  test.each([
    {
      name: 'explicit maxNewTokens',
      options: { maxNewTokens: 4, generationConfig: { maxNewTokens: 9, maxLength: 30 } },
      expected: 4,
    },
    {
      name: "config's max_new_tokens over its max_length",
      options: { generationConfig: { maxNewTokens: 9, maxLength: 30 } },
      expected: 9,
    },
    {
      name: "explicit maxLength over config's max_new_tokens",
      options: { maxLength: 8, generationConfig: { maxNewTokens: 9 } },
      expected: 3,
    },
    {
      name: "config's max_length minus the longest prompt",
      options: { generationConfig: { maxLength: 2048 } },
      expected: 2043,
    },
  ])('$name', ({ options, expected }) => {
    expect(resolve(options).maxNewTokens).toBe(expected);
  });

  test('sampling without a seed draws one', () => {
    const a = resolveGenerateOptions({ doSample: true }, model, 1).seed;
    expect(Number.isSafeInteger(a) && a >= 0).toBe(true);
  });

  test.each([
    { options: { temperature: -0.5 }, message: 'temperature expected a number ≥ 0, got -0.5' },
    { options: { topK: 1.5 }, message: 'topK expected an integer ≥ 0, got 1.5' },
    { options: { topP: 2 }, message: 'topP expected a number in [0, 1], got 2' },
    { options: { minP: -1 }, message: 'minP expected a number in [0, 1], got -1' },
    { options: { repetitionPenalty: 0 }, message: 'repetitionPenalty expected a number > 0, got 0' },
    { options: { maxNewTokens: 0 }, message: 'maxNewTokens expected a positive integer, got 0' },
    {
      options: { maxLength: 5 },
      message: "maxLength expected more than the longest prompt's 5 tokens, got 5; set maxNewTokens instead",
    },
    { options: { eosTokenIds: [1, -2] }, message: 'eosTokenIds expected token ids ≥ 0, got [1,-2]' },
    { options: { padTokenId: 200 }, message: 'padTokenId expected a token id in [0, 200), got 200' },
    { options: { seed: 1.5 }, message: 'seed expected a safe integer ≥ 0, got 1.5' },
  ])('refuses $options', ({ options, message }) => {
    expect(() => resolve(options as GenerateOptions)).toThrow(new GenerationError(`generate: ${message}`));
  });
});
