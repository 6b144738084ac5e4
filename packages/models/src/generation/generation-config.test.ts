import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { GenerationConfigError } from './errors.js';
import { parseGenerationConfig, readGenerationConfig } from './generation-config.js';

describe('parseGenerationConfig', () => {
  test.each([
    {
      name: 'Qwen2.5-Instruct style: sampling defaults and two eos ids',
      json: {
        bos_token_id: 151643,
        pad_token_id: 151643,
        do_sample: true,
        eos_token_id: [151645, 151643],
        repetition_penalty: 1.05,
        temperature: 0.7,
        top_p: 0.8,
        top_k: 20,
        transformers_version: '4.37.0',
      },
      expected: {
        bosTokenId: 151643,
        padTokenId: 151643,
        doSample: true,
        eosTokenIds: [151645, 151643],
        repetitionPenalty: 1.05,
        temperature: 0.7,
        topP: 0.8,
        topK: 20,
      },
    },
    {
      name: 'a single eos id becomes a list; max lengths and min_p',
      json: { eos_token_id: 2, max_new_tokens: 64, max_length: 2048, min_p: 0.05 },
      expected: { eosTokenIds: [2], maxNewTokens: 64, maxLength: 2048, minP: 0.05 },
    },
    {
      name: 'null means unset',
      json: { eos_token_id: null, temperature: null, top_k: 0 },
      expected: { topK: 0 },
    },
    { name: 'empty', json: {}, expected: {} },
  ])('$name', ({ json, expected }) => {
    expect(parseGenerationConfig(json)).toEqual(expected);
  });

  test.each([
    { json: [], message: 'the file expected a JSON object, got []' },
    { json: { do_sample: 'yes' }, message: 'do_sample expected true or false, got "yes"' },
    { json: { temperature: -1 }, message: 'temperature expected a number ≥ 0, got -1' },
    { json: { top_k: 2.5 }, message: 'top_k expected an integer ≥ 0, got 2.5' },
    { json: { top_p: 1.5 }, message: 'top_p expected a number in [0, 1], got 1.5' },
    { json: { repetition_penalty: 0 }, message: 'repetition_penalty expected a number > 0, got 0' },
    { json: { max_new_tokens: 0 }, message: 'max_new_tokens expected an integer ≥ 1, got 0' },
    {
      json: { eos_token_id: [1, 'x'] },
      message: 'eos_token_id expected a token id or a list of token ids, got [1,"x"]',
    },
    { json: { eos_token_id: -1 }, message: 'eos_token_id expected token ids ≥ 0, got -1' },
  ])('refuses $json', ({ json, message }) => {
    expect(() => parseGenerationConfig(json, 'gc.json')).toThrow(
      new GenerationConfigError(`gc.json: ${message}`),
    );
  });
});

describe('readGenerationConfig', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lora-genconfig-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  test('a folder without generation_config.json gives {}', async () => {
    expect(await readGenerationConfig(await tempDir())).toEqual({});
  });

  test('reads the file of a folder', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ do_sample: true, top_p: 0.9 }));
    expect(await readGenerationConfig(dir)).toEqual({ doSample: true, topP: 0.9 });
  });

  test('bad JSON names the file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'generation_config.json'), '{ "top_p": 0.9, }');
    const error = await readGenerationConfig(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GenerationConfigError);
    expect((error as Error).message).toContain(
      `${join(dir, 'generation_config.json')}: expected JSON, got a parse error`,
    );
  });
});

describeWithFixtures('readGenerationConfig on real Hub files', () => {
  test.each([
    { folder: 'gpt2', expected: { bosTokenId: 50256, eosTokenIds: [50256] } },
    {
      folder: 'tinyllama-1.1b-chat-v1.0',
      expected: { bosTokenId: 1, eosTokenIds: [2], maxLength: 2048, padTokenId: 0 },
    },
  ])('$folder', async ({ folder, expected }) => {
    expect(await readGenerationConfig(sharedFixture(folder))).toEqual(expected);
  });
});
