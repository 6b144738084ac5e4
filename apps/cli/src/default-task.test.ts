import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@lora/tokenize';
import { describe, expect, test } from 'vitest';
import { tempDir } from './test-support/temp-dir.js';
import { ensureDefaultRun } from './default-setup.js';
import { makeTopicDataset, TOPIC_LABELS } from './default-task.js';

describe('makeTopicDataset', () => {
  const data = makeTopicDataset({ seed: 7, train: 480, eval: 48 });

  test('balanced labels, the same for the same seed, different for another', () => {
    for (const label of TOPIC_LABELS) {
      expect(data.train.filter((e) => e.output === label)).toHaveLength(120);
      expect(data.eval.filter((e) => e.output === label)).toHaveLength(12);
    }
    expect(makeTopicDataset({ seed: 7, train: 480, eval: 48 })).toEqual(data);
    expect(makeTopicDataset({ seed: 8, train: 480, eval: 48 }).train).not.toEqual(data.train);
  });

  test('held-out sentences use keyword pairs never seen in training, in either order', () => {
    const frameWords = new Set([
      'the',
      'was',
      'all',
      'anyone',
      'talked',
      'about',
      'after',
      'everyone',
      'noticed',
      'and',
      'today',
      'yesterday',
      'my',
      'neighbour',
      'mentioned',
      'near',
      'we',
      'read',
      'a',
      'short',
      'story',
      'i',
      'saw',
      'right',
      'before',
      'people',
      'keep',
      'asking',
      'showed',
      'up',
      'next',
      'to',
      'this',
      'morning',
      'nobody',
      'expected',
      'follow',
      'sister',
      'wrote',
      'note',
      'news',
      'tonight',
      'covered',
      'then',
    ]);
    const pairOf = (input: string) =>
      input
        .split(' ')
        .filter((w) => !frameWords.has(w))
        .sort()
        .join('+');
    const seen = new Set(data.train.map((e) => pairOf(e.input)));
    expect(seen.size).toBe(data.train.length);
    for (const e of data.eval) {
      expect(pairOf(e.input).split('+'), e.input).toHaveLength(2);
      expect(seen.has(pairOf(e.input)), e.input).toBe(false);
    }
  });
});

describe('ensureDefaultRun', () => {
  const cwd = tempDir('lora-default-');
  test('writes data, tokenizer and a tiny Qwen2 checkpoint once, then skips what exists', async () => {
    const first: string[] = [];
    const paths = await ensureDefaultRun(cwd, (l) => first.push(l));
    expect(first).toHaveLength(3);
    expect(readFileSync(paths.trainFile, 'utf8').trim().split('\n')).toHaveLength(480);
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
