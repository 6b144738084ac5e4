import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOPIC_LABELS, topicClassificationTask } from '@lora/datasets';
import { Tokenizer } from '@lora/tokenize';
import { describe, expect, test } from 'vitest';
import { DEFAULT_DATA, ensureDefaultRun } from './default-setup.js';
import { tempDir } from './test-support/temp-dir.js';

describe('ensureDefaultRun', () => {
  const cwd = tempDir('lora-default-');
  test('writes data, tokenizer and a tiny Qwen2 checkpoint once, then skips what exists', async () => {
    const first: string[] = [];
    const paths = await ensureDefaultRun(cwd, (l) => first.push(l));
    expect(first).toHaveLength(3);
    const lines = readFileSync(paths.trainFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(480);
    const task = topicClassificationTask(DEFAULT_DATA);
    expect(JSON.parse(lines[0]!)).toEqual({ messages: task.train[0]!.messages });
    const config = JSON.parse(readFileSync(join(paths.modelDir, 'config.json'), 'utf8'));
    expect(config.model_type).toBe('qwen2');
    const tokenizer = await Tokenizer.fromDir(paths.modelDir);
    expect(config.vocab_size).toBeGreaterThanOrEqual(tokenizer.vocabSize);
    expect(config.eos_token_id).toBe(tokenizer.tokenToId('<|im_end|>'));
    for (const label of TOPIC_LABELS)
      expect(tokenizer.encode(label, { addSpecialTokens: false }), label).toHaveLength(1);
    const again: string[] = [];
    await ensureDefaultRun(cwd, (l) => again.push(l));
    expect(again).toEqual([]);
  });
});
