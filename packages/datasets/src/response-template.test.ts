import { describe, expect, test } from 'vitest';
import { completionSegments, promptOfText } from './response-template.js';

const trained = (text: string, t: Parameters<typeof completionSegments>[1]) =>
  completionSegments(text, t)
    ?.filter((s) => s.train)
    .map((s) => s.text);

describe('completionSegments (TRL completion-only on text)', () => {
  test('one turn: only what follows the response template trains', () => {
    const text = '<|user|>\nWho is Lily?\n<|assistant|>\nA little girl.';
    const segments = completionSegments(text, { response: '<|assistant|>\n' })!;
    expect(segments).toEqual([
      { text: '<|user|>\nWho is Lily?\n<|assistant|>\n', train: false },
      { text: 'A little girl.', train: true },
    ]);
    expect(segments.map((s) => s.text).join('')).toBe(text);
  });

  test('multi-turn: with an instruction template every answer trains and every prompt is masked', () => {
    const text = '<|user|>\nhi\n<|assistant|>\nhello\n<|user|>\nbye\n<|assistant|>\nsee you';
    expect(trained(text, { response: '<|assistant|>\n', instruction: '<|user|>\n' })).toEqual([
      'hello\n',
      'see you',
    ]);
    // without one, everything after the first answer starts trains (TRL's behaviour too)
    expect(trained(text, { response: '<|assistant|>\n' })).toEqual([
      'hello\n<|user|>\nbye\n<|assistant|>\nsee you',
    ]);
  });

  test('no response template in the text: undefined (nothing to train)', () => {
    expect(completionSegments('just a story', { response: '### Answer:' })).toBeUndefined();
  });

  test('promptOfText splits at the last response template', () => {
    expect(promptOfText('Q: a\nA: b\nQ: c\nA: d', { response: 'A:' })).toEqual({
      prompt: 'Q: a\nA: b\nQ: c\nA:',
      answer: ' d',
    });
    expect(promptOfText('nothing', { response: 'A:' })).toBeUndefined();
  });
});
