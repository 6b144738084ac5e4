import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkpointsToDelete, listCheckpoints } from './checkpoint-io.js';
import { nodeStorage } from './node-storage.js';
import { STORAGES, tempDir } from './trainer.test-support.js';

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

describe('listCheckpoints', () => {
  test.each(STORAGES)(
    'sorts checkpoint-N folders by step, leaving other entries out (%s storage)',
    async (_, make) => {
      const storage = await make('list');
      for (const name of ['checkpoint-10', 'checkpoint-9', 'checkpoint-100', 'checkpoint-x'])
        await storage.writeFolder(name, (f) => f.writeFile('a.txt', name));
      await storage.writeFile('checkpoint-7', 'a file, not a folder');
      expect(await listCheckpoints(storage)).toEqual(
        [9, 10, 100].map((step) => ({
          step,
          name: `checkpoint-${step}`,
          path: storage.pathOf(`checkpoint-${step}`),
        })),
      );
    },
  );

  test('in a Node folder, removeStaleTemps deletes the leftovers of every temp pattern, and only those', async () => {
    const dir = await tempDir('atomic');
    const storage = await nodeStorage(dir);
    for (const name of ['checkpoint-10', '.checkpoint-11.tmp-1-ab', '.checkpoint-12.4242-0a1b2c3d4e5f.tmp'])
      await mkdir(join(dir, name), { recursive: true });
    // a final adapter write killed midway (the CLI saves the adapter into the output folder itself)
    await writeFile(join(dir, '.adapter_model.safetensors.4242-0a1b2c3d4e5f.tmp'), 'partial');
    await writeFile(join(dir, '.trainer_state.json.tmp-4242'), 'partial');
    expect((await listCheckpoints(storage)).map((c) => c.step)).toEqual([10]);
    expect((await storage.removeStaleTemps()).sort()).toEqual([
      '.adapter_model.safetensors.4242-0a1b2c3d4e5f.tmp',
      '.checkpoint-11.tmp-1-ab',
      '.checkpoint-12.4242-0a1b2c3d4e5f.tmp',
      '.trainer_state.json.tmp-4242',
    ]);
    expect(await readdir(dir)).toEqual(['checkpoint-10']);
  });
});
