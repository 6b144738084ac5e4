import { fileURLToPath } from 'node:url';
import { STORIES260K_DIR } from '@lora/stories260k';
import { Tokenizer } from '@lora/tokenize';
import { beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from './test-support/temp-dir.js';
import { StreamDecoder } from './generation.js';
import { writeTinyModel } from './test-support/tiny-models.js';

const dir = tempDir('lora-stream-');
let tokenizer: Tokenizer;
beforeAll(async () => {
  tokenizer = await writeTinyModel(dir, 'qwen2');
});

describe('StreamDecoder', () => {
  test('streams text piece by piece and never prints half a UTF-8 character', () => {
    const text = 'the chef 烤面包 tonight 🍞!';
    const ids = tokenizer.encode(text, { addSpecialTokens: false });
    // the tiny tokenizer never saw Chinese or emoji: those are split into single-byte tokens
    expect(ids.length).toBeGreaterThan(text.length - 10);
    const decoder = new StreamDecoder(tokenizer);
    const pieces = ids.map((id) => decoder.push(id));
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) expect(piece).not.toContain('\uFFFD');
    expect(pieces.filter((p) => p === '').length).toBeGreaterThan(0); // held back mid-character
  });

  test('special tokens are not shown', () => {
    const decoder = new StreamDecoder(tokenizer);
    const ids = [
      ...tokenizer.encode('sports', { addSpecialTokens: false }),
      tokenizer.tokenToId('<|im_end|>')!,
    ];
    expect(ids.map((id) => decoder.push(id)).join('')).toBe('sports');
  });
});

describe('StreamDecoder after a raw prompt (sentencepiece strips the first space of a decode)', () => {
  const storiesDir = fileURLToPath(STORIES260K_DIR);
  let llama: Tokenizer;
  beforeAll(async () => {
    llama = await Tokenizer.fromDir(storiesDir);
  });

  test('the continuation keeps its leading space, as in the whole text', () => {
    const prompt = llama.encode('Zoo');
    const whole = llama.encode('Zoo was a little girl');
    expect(whole.slice(0, prompt.length)).toEqual(prompt);
    const fresh = whole.slice(prompt.length);
    // decoded alone, the first new word loses its space
    expect(llama.decode(fresh, { skipSpecialTokens: true })).toBe('was a little girl');
    const decoder = new StreamDecoder(llama, prompt);
    expect(fresh.map((id) => decoder.push(id)).join('')).toBe(' was a little girl');
    expect(decoder.text).toBe(' was a little girl');
  });
});
