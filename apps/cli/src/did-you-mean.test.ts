import { describe, expect, test } from 'vitest';
import { didYouMean, editDistance, suggestion } from './did-you-mean.js';

describe('editDistance (optimal string alignment)', () => {
  test.each([
    ['', '', 0],
    ['lora_r', 'lora_r', 0],
    ['lora_r', 'lora_rr', 1],
    ['lora_r', 'lroa_r', 1], // one adjacent swap
    ['kitten', 'sitting', 3],
    ['abc', '', 3],
  ])('%j → %j = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('didYouMean', () => {
  const keys = [
    'lora_r',
    'lora_alpha',
    'lora_dropout',
    'learning_rate',
    'lr',
    'epochs',
    'max_steps',
    'target_modules',
  ];
  test.each([
    ['lora_rank', 'lora_r'],
    ['lora-alpha', 'lora_alpha'],
    ['epoch', 'epochs'],
    ['max_step', 'max_steps'],
    ['target_module', 'target_modules'],
    ['lora_dropuot', 'lora_dropout'],
    ['batch', undefined],
    ['zzzzzz', undefined],
  ])('%s → %s', (word, expected) => {
    expect(didYouMean(word, keys)).toBe(expected);
  });

  test('suggestion() reads as a parenthesis, or nothing', () => {
    expect(suggestion('trian', ['train', 'eval'])).toBe(' (did you mean "train"?)');
    expect(suggestion('xyz', ['train', 'eval'])).toBe('');
  });
});
