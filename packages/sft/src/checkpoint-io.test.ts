import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  checkpointsToDelete,
  listCheckpoints,
  removeStaleTemps,
  writeFolderAtomic,
} from './checkpoint-io.js';
import { CheckpointError } from './errors.js';
import { tempDir } from './trainer.test-support.js';

const ck = (...steps: number[]) => steps.map((s) => `out/checkpoint-${s}`);

describe('checkpointsToDelete (transformers _sorted_checkpoints + _rotate_checkpoints)', () => {
  test.each([
    ['no limit keeps everything', ck(1, 2, 3), undefined, null, []],
    ['under the limit', ck(1, 2), 3, null, []],
    ['oldest go first', ck(1, 2, 3, 4), 2, null, ck(1, 2)],
    ['the best is moved to second-to-last, so it survives', ck(1, 2, 3, 4), 2, 'out/checkpoint-1', ck(2, 3)],
    ['a best in the middle survives', ck(1, 2, 3, 4, 5), 3, 'out/checkpoint-3', ck(1, 2)],
    ['the best being the newest changes nothing', ck(1, 2, 3), 2, 'out/checkpoint-3', ck(1)],
    ['limit 1 with an older best keeps the best and the newest', ck(1, 2, 3), 1, 'out/checkpoint-2', ck(1)],
    ['limit 1 with the newest best keeps one', ck(1, 2, 3), 1, 'out/checkpoint-3', ck(1, 2)],
    ['a best that is already gone is ignored', ck(4, 5, 6), 2, 'out/checkpoint-1', ck(4)],
  ])('%s', (_label, sorted, limit, best, expected) => {
    expect(checkpointsToDelete(sorted, limit, best)).toEqual(expected);
  });
});

describe('writeFolderAtomic', () => {
  test('a fill that fails leaves neither the folder nor a temp folder', async () => {
    const dir = await tempDir('atomic');
    const error = await writeFolderAtomic(dir, 'checkpoint-7', async (temp) => {
      await writeFile(join(temp, 'trainable.safetensors'), 'half');
      throw new Error('disk full');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(
      /writing .*checkpoint-7 failed: disk full; no partial folder was left/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  test('replaces an existing folder of the same name with the complete new one', async () => {
    const dir = await tempDir('atomic');
    await writeFolderAtomic(dir, 'checkpoint-2', (t) => writeFile(join(t, 'a.txt'), 'old'));
    await writeFolderAtomic(dir, 'checkpoint-2', (t) => writeFile(join(t, 'b.txt'), 'new'));
    expect(await readdir(join(dir, 'checkpoint-2'))).toEqual(['b.txt']);
    expect(await readFile(join(dir, 'checkpoint-2', 'b.txt'), 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['checkpoint-2']);
  });

  test('listCheckpoints sorts by step number; removeStaleTemps deletes crash leftovers only', async () => {
    const dir = await tempDir('atomic');
    for (const name of [
      'checkpoint-10',
      'checkpoint-9',
      'checkpoint-100',
      '.checkpoint-11.tmp-1-ab',
      '.checkpoint-12.4242-0a1b2c3d4e5f.tmp',
      'checkpoint-x',
    ]) {
      await writeFolderAtomic(dir, name, async () => undefined);
    }
    // a final adapter write killed midway (the CLI saves the adapter into the output folder itself)
    await writeFile(join(dir, '.adapter_model.safetensors.4242-0a1b2c3d4e5f.tmp'), 'partial');
    await writeFile(join(dir, '.trainer_state.json.tmp-4242'), 'partial');
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([9, 10, 100]);
    expect((await removeStaleTemps(dir)).sort()).toEqual([
      '.adapter_model.safetensors.4242-0a1b2c3d4e5f.tmp',
      '.checkpoint-11.tmp-1-ab',
      '.checkpoint-12.4242-0a1b2c3d4e5f.tmp',
      '.trainer_state.json.tmp-4242',
    ]);
    expect((await readdir(dir)).sort()).toEqual([
      'checkpoint-10',
      'checkpoint-100',
      'checkpoint-9',
      'checkpoint-x',
    ]);
  });
});
