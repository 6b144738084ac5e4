import { describe, expect, test } from 'vitest';
import { heldOutCount, storySource, uploadedSource } from './data-source.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('storySource', () => {
  test('is the CLI default task: the same 64 held-out stories whatever the training count', () => {
    const small = storySource(16);
    const large = storySource(4000);
    expect([small.train.length, small.eval.length, large.train.length]).toEqual([16, 64, 4000]);
    expect(small.eval).toEqual(large.eval);
    expect(small.eval[0]).toMatchObject({
      format: 'messages',
      messages: [{ role: 'user' }, { role: 'assistant' }],
    });
  });
});

describe('heldOutCount', () => {
  test.each([
    [1, 0],
    [9, 0],
    [10, 1],
    [40, 4],
    [1000, 64],
  ])('%d examples → %d held out', (n, held) => expect(heldOutCount(n)).toBe(held));
});

describe('uploadedSource', () => {
  test.each([
    [
      'a.jsonl',
      '{"instruction": "Name it", "input": "a cat", "output": "cat"}\n{"instruction": "Name it", "input": "a dog", "output": "dog"}\n',
      'alpaca',
    ],
    ['b.json', '[{"prompt": "Say hi", "completion": "hi"}]', 'prompt-completion'],
    ['c.csv', 'prompt,completion\nSay hi,hi\nSay yo,yo\n', 'prompt-completion'],
    [
      'd.jsonl',
      '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\n',
      'messages',
    ],
    ['e.jsonl', '{"text": "Once upon a time"}\n', 'text'],
  ])('%s is read in its format (%s), all for training below 10 examples', (name, text, format) => {
    const source = uploadedSource(name, bytes(text), 42);
    expect(source).toMatchObject({ label: name, format, eval: [] });
    expect(source.train.length).toBeGreaterThan(0);
  });

  test('a tenth is held out, seeded', () => {
    const rows = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({ prompt: `q${i}`, completion: `a${i}` }),
    );
    const source = uploadedSource('x.jsonl', bytes(rows.join('\n')), 42);
    expect([source.train.length, source.eval.length]).toEqual([36, 4]);
    expect(uploadedSource('x.jsonl', bytes(rows.join('\n')), 42).eval).toEqual(source.eval);
  });

  test.each([
    [
      'x.txt',
      'hello',
      /^x\.txt: unsupported dataset file: expected \.json, \.jsonl, \.ndjson, \.csv or \.tsv, got "\.txt"/,
    ],
    ['x.jsonl', '{"prompt": ', /^x\.jsonl line 1: malformed JSON/],
  ])('%s is refused with the file named', (name, text, message) => {
    expect(() => uploadedSource(name, bytes(text), 42)).toThrow(message);
  });

  test('bytes that are not UTF-8 are refused', () => {
    expect(() => uploadedSource('x.jsonl', new Uint8Array([0x7b, 0xff, 0x7d]), 42)).toThrow(
      /^x\.jsonl: expected UTF-8 text, got bytes that are not$/,
    );
  });
});
