import { describe, expect, test } from 'vitest';
import { isTempName, tempName } from './temp-name.js';

describe('isTempName', () => {
  test.each([
    // the one pattern written now (files, folders, a folder being replaced, the lock's staging file)
    ['.adapter_model.safetensors.4242-0a1b2c3d4e5f.tmp', true],
    ['.checkpoint-10.4242-0a1b2c3d4e5f.tmp', true],
    ['.checkpoint-10.4242-0a1b2c3d4e5f.old', true],
    ['.lora.lock.4242-0a1b2c3d4e5f.tmp', true],
    // earlier versions: @lora/sft checkpoint folders, trainer_state.json and metrics.jsonl
    ['.checkpoint-10.tmp-4242-0a1b2c3d', true],
    ['.checkpoint-10.tmp-4242-0a1b2c3d-old', true],
    ['.trainer_state.json.tmp-4242', true],
    ['.metrics.jsonl.tmp-4242', true],
    // @lora/datasets, @lora/models, @lora/tokenize, the CLI
    ['train.jsonl.tmp-4242-0a1b2c3d', true],
    ['config.json.tmp-4242-1712345678901', true],
    ['.tokenizer.json.4242-k3j2h1xy.tmp', true],
    ['run_config.json.4242.k3j2h1.tmp', true],
    // the user's and the run's own files
    ['adapter_model.safetensors', false],
    ['checkpoint-10', false],
    ['.lora.lock', false],
    ['notes.tmp', false],
    ['data.tmp.jsonl', false],
    ['.tmp', false],
    ['backup.tmp-old', false],
  ])('%s → %s', (name, expected) => {
    expect(isTempName(name)).toBe(expected);
  });

  test('every name tempName makes is recognised', () => {
    for (const suffix of ['tmp', 'old'] as const)
      expect(isTempName(tempName('adapter_model.safetensors', 99999, 'ffffffffffff', suffix))).toBe(true);
  });
});
