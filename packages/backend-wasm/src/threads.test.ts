import { describe, expect, test } from 'vitest';
import { WasmBackendError } from './errors.js';
import { resolveThreads } from './threads.js';

describe('resolveThreads', () => {
  test.each([
    { option: 3, env: '5', available: 2, expected: 3 },
    { option: undefined, env: '5', available: 2, expected: 5 },
    { option: undefined, env: ' ', available: 2, expected: 2 },
    { option: undefined, env: undefined, available: 16, expected: 16 },
    { option: undefined, env: undefined, available: 0, expected: 1 },
  ])(
    'option $option, LORA_THREADS "$env", $available cores → $expected',
    ({ option, env, available, expected }) => {
      expect(resolveThreads(option, env, available)).toBe(expected);
    },
  );

  test.each([
    { option: 0, env: undefined, message: 'threads expected a positive integer, got 0' },
    { option: 1.5, env: undefined, message: 'threads expected a positive integer, got 1.5' },
    { option: undefined, env: 'two', message: 'LORA_THREADS expected a positive integer, got "two"' },
    { option: undefined, env: '-1', message: 'LORA_THREADS expected a positive integer, got "-1"' },
  ])('rejects $option / "$env"', ({ option, env, message }) => {
    expect(() => resolveThreads(option, env, 2)).toThrow(WasmBackendError);
    expect(() => resolveThreads(option, env, 2)).toThrow(message);
  });
});
