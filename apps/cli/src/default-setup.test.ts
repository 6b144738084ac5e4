import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { storyQuestionsTask } from '@lora/datasets';
import { describe, expect, test } from 'vitest';
import { DEFAULT_DATA, DEFAULT_MODEL_DIR, ensureDefaultRun } from './default-setup.js';
import { tempDir } from './test-support/temp-dir.js';

describe('ensureDefaultRun', () => {
  test('writes the seeded story-questions data once, then skips it; the model stays in its package', async () => {
    const cwd = tempDir('lora-default-');
    const first: string[] = [];
    const paths = await ensureDefaultRun(cwd, (l) => first.push(l));
    expect(first).toEqual([
      `default: wrote the story-questions task (4000 train / 64 held-out, seed 7) to ${join(cwd, 'runs', 'default', 'data')}`,
    ]);
    const task = storyQuestionsTask(DEFAULT_DATA);
    const lines = (file: string) =>
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    expect(lines(paths.trainFile)).toEqual(task.train.map((e) => ({ messages: e.messages })));
    expect(lines(paths.evalFile)).toEqual(task.eval.map((e) => ({ messages: e.messages })));
    expect(readdirSync(paths.root)).toEqual(['data']);
    expect(paths.modelDir).toBe(DEFAULT_MODEL_DIR);
    expect(existsSync(join(paths.modelDir, 'model.safetensors'))).toBe(true);
    const again: string[] = [];
    await ensureDefaultRun(cwd, (l) => again.push(l));
    expect(again).toEqual([]);
  });

  test('another folder gets the same bytes: the data is a function of the seed', async () => {
    const [a, b] = [tempDir('lora-default-a-'), tempDir('lora-default-b-')];
    const pa = await ensureDefaultRun(a, () => {});
    const pb = await ensureDefaultRun(b, () => {});
    for (const key of ['trainFile', 'evalFile'] as const)
      expect(readFileSync(pa[key], 'utf8')).toBe(readFileSync(pb[key], 'utf8'));
  });
});
