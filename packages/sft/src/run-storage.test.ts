// One suite over every run storage (as unjs/unstorage tests its drivers): adding a storage is one row. The Origin
// Private File System runs on an in-memory stand-in of its handles here, and for real in the demo's browser test.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isTempName } from '@lora/files';
import { describe, expect, test } from 'vitest';
import { StorageError } from './errors.js';
import { memoryStorage } from './memory-storage.js';
import { nodeStorage } from './node-storage.js';
import { FakeOpfsDirectory } from './opfs-fake.test-support.js';
import { COMPLETE_MARKER, opfsStorage } from './opfs-storage.js';
import type { RunStorage } from './run-storage.js';
import { tempDir } from './trainer.test-support.js';

interface StorageCase {
  storage: RunStorage;
  /** leave what a crash in the middle of writeFolder(name) leaves; absent where nothing can be left */
  crashWhileWriting?: (name: string) => Promise<void>;
}

const CASES: [string, () => Promise<StorageCase>][] = [
  [
    'node',
    async () => {
      const dir = await tempDir('storage');
      return {
        storage: await nodeStorage(dir),
        crashWhileWriting: async (name) => {
          const temp = join(dir, `.${name}.4242-0a1b2c3d4e5f.tmp`);
          await mkdir(temp, { recursive: true });
          await writeFile(join(temp, 'trainable.safetensors'), 'partial');
        },
      };
    },
  ],
  ['memory', async () => ({ storage: memoryStorage() })],
  [
    'opfs',
    async () => {
      const origin = new FakeOpfsDirectory();
      const storage = await opfsStorage('runs/first', origin);
      return {
        storage,
        crashWhileWriting: async (name) => {
          const runs = await origin.getDirectoryHandle('runs');
          const folder = await (await runs.getDirectoryHandle('first')).getDirectoryHandle(name, {
            create: true,
          });
          const w = await (
            await folder.getFileHandle('trainable.safetensors', { create: true })
          ).createWritable();
          await w.write(new TextEncoder().encode('partial'));
          await w.close();
        },
      };
    },
  ],
];

const text = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

describe.each(CASES)('%s storage', (_, make) => {
  test('writeFile creates or replaces a file whole; readFile gives its bytes, or undefined when there is none', async () => {
    const { storage } = await make();
    expect(await storage.readFile('trainer_state.json')).toBeUndefined();
    await storage.writeFile('trainer_state.json', '{"global_step": 1}\n');
    await storage.writeFile('trainer_state.json', 'ünïcode\n');
    expect(text(await storage.readFile('trainer_state.json'))).toBe('ünïcode\n');
    await storage.writeFile('bytes.bin', new Uint8Array([0, 255, 7]));
    expect(Array.from((await storage.readFile('bytes.bin'))!)).toEqual([0, 255, 7]);
    expect(await storage.list()).toEqual([
      { name: 'bytes.bin', kind: 'file' },
      { name: 'trainer_state.json', kind: 'file' },
    ]);
  });

  test('writeFile, in the root and in a folder, takes parts written in order as one file', async () => {
    const { storage } = await make();
    const pool = new Uint8Array([9, 1, 2, 3, 4, 9]);
    await storage.writeFile('parts.bin', [pool.subarray(1, 3), new Uint8Array(0), pool.subarray(3, 5)]);
    expect(Array.from((await storage.readFile('parts.bin'))!)).toEqual([1, 2, 3, 4]);
    await storage.writeFolder('checkpoint-1', (folder) =>
      folder.writeFile('trainable.safetensors', [new Uint8Array([5]), pool.subarray(0, 2)]),
    );
    expect(Array.from((await storage.readFile('checkpoint-1/trainable.safetensors'))!)).toEqual([5, 9, 1]);
  });

  test('appendFile creates the file, then adds to its end', async () => {
    const { storage } = await make();
    await storage.appendFile('training.log', 'one\n');
    await storage.appendFile('training.log', 'two\n');
    expect(text(await storage.readFile('training.log'))).toBe('one\ntwo\n');
  });

  test('writeFolder: the files at folder/name, the folder in the root listing, its files in its own', async () => {
    const { storage } = await make();
    await storage.writeFolder('checkpoint-2', async (folder) => {
      await folder.writeFile('scheduler.json', '{}\n');
      await folder.writeFile('trainable.safetensors', new Uint8Array([1, 2, 3]));
    });
    await storage.writeFile('metrics.jsonl', '');
    expect(await storage.list()).toEqual([
      { name: 'checkpoint-2', kind: 'folder' },
      { name: 'metrics.jsonl', kind: 'file' },
    ]);
    expect(await storage.list('checkpoint-2')).toEqual([
      { name: 'scheduler.json', kind: 'file' },
      { name: 'trainable.safetensors', kind: 'file' },
    ]);
    expect(Array.from((await storage.readFile('checkpoint-2/trainable.safetensors'))!)).toEqual([1, 2, 3]);
    expect(await storage.list('checkpoint-9')).toEqual([]);
  });

  test('writeFolder replaces a folder of the same name with the new one, whole', async () => {
    const { storage } = await make();
    await storage.writeFolder('checkpoint-2', (f) => f.writeFile('a.txt', 'old'));
    await storage.writeFolder('checkpoint-2', (f) => f.writeFile('b.txt', 'new'));
    expect(await storage.list('checkpoint-2')).toEqual([{ name: 'b.txt', kind: 'file' }]);
    expect(await storage.readFile('checkpoint-2/a.txt')).toBeUndefined();
    expect(await storage.list()).toEqual([{ name: 'checkpoint-2', kind: 'folder' }]);
  });

  test('a fill that fails rejects with its own error and leaves no folder and nothing to clean up', async () => {
    const { storage } = await make();
    const error = await storage
      .writeFolder('checkpoint-7', async (folder) => {
        await folder.writeFile('trainable.safetensors', 'half');
        throw new Error('disk full');
      })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('disk full');
    expect(await storage.list()).toEqual([]);
    expect(await storage.readFile('checkpoint-7/trainable.safetensors')).toBeUndefined();
    expect(await storage.removeStaleTemps()).toEqual([]);
  });

  test('remove deletes a folder with its files, or a file; nothing happens when there is none', async () => {
    const { storage } = await make();
    await storage.writeFolder('checkpoint-1', (f) => f.writeFile('a.txt', 'a'));
    await storage.writeFolder('checkpoint-2', (f) => f.writeFile('a.txt', 'a'));
    await storage.writeFile('metrics.jsonl', 'x');
    await storage.remove('checkpoint-1');
    await storage.remove('metrics.jsonl');
    await storage.remove('checkpoint-9');
    expect(await storage.list()).toEqual([{ name: 'checkpoint-2', kind: 'folder' }]);
    expect(await storage.readFile('checkpoint-1/a.txt')).toBeUndefined();
  });

  test('what a crash in the middle of writeFolder leaves is not listed, and removeStaleTemps deletes only that', async () => {
    const { storage, crashWhileWriting } = await make();
    if (!crashWhileWriting) return; // nothing outlives an interrupted write
    await storage.writeFolder('checkpoint-3', (f) => f.writeFile('a.txt', 'a'));
    await crashWhileWriting('checkpoint-4');
    expect(await storage.list()).toEqual([{ name: 'checkpoint-3', kind: 'folder' }]);
    expect(await storage.list('checkpoint-4')).toEqual([]);
    const removed = await storage.removeStaleTemps();
    expect(removed).toHaveLength(1);
    expect(removed[0]).toContain('checkpoint-4');
    expect(await storage.removeStaleTemps()).toEqual([]);
    expect(await storage.list()).toEqual([{ name: 'checkpoint-3', kind: 'folder' }]);
  });

  test.each(['', '.', '..', '../outside', 'a/b/c', 'a//b', 'a\\b'])(
    'the path %j is refused with StorageError',
    async (path) => {
      const { storage } = await make();
      await expect(storage.readFile(path)).rejects.toThrow(StorageError);
      await expect(storage.readFile(path)).rejects.toThrow('path: expected "name" or "folder/name", got');
      await expect(storage.writeFile(path, 'x')).rejects.toThrow(StorageError);
    },
  );

  test('a name with "/" is refused where a plain name is needed: files in the root, folders, files of a folder', async () => {
    const { storage } = await make();
    await expect(storage.writeFile('checkpoint-1/x.json', '{}')).rejects.toThrow(
      'name: expected a file or folder name without "/", got "checkpoint-1/x.json"',
    );
    await expect(storage.writeFolder('a/b', async () => undefined)).rejects.toThrow(StorageError);
    await expect(storage.writeFolder('a', (f) => f.writeFile('x/y', ''))).rejects.toThrow(StorageError);
  });

  test('pathOf names a file inside location', async () => {
    const { storage } = await make();
    expect(storage.pathOf('checkpoint-2/rng_state.json').startsWith(storage.location)).toBe(
      storage.location !== 'memory',
    );
    expect(storage.pathOf('checkpoint-2/rng_state.json')).toMatch(/checkpoint-2[/\\]rng_state\.json$/);
  });
});

describe('nodeStorage', () => {
  test("keeps @lora/files' layout: plain files in the folder, a folder assembled in a temp folder and renamed", async () => {
    const dir = join(await tempDir('node-layout'), 'run');
    const storage = await nodeStorage(dir);
    expect(storage.location).toBe(dir);
    expect(storage.pathOf('checkpoint-1/a.txt')).toBe(join(dir, 'checkpoint-1', 'a.txt'));
    let during: string[] = [];
    await storage.writeFolder('checkpoint-1', async (folder) => {
      await folder.writeFile('a.txt', 'a');
      expect(folder.localPath).toBeDefined();
      expect(isTempName(folder.localPath!.slice(dir.length + 1))).toBe(true);
      during = await readdir(dir);
    });
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(/^\.checkpoint-1\.\d+-[0-9a-f]{12}\.tmp$/);
    await storage.appendFile('training.log', 'line\n');
    expect((await readdir(dir)).sort()).toEqual(['checkpoint-1', 'training.log']);
    expect(await readFile(join(dir, 'checkpoint-1', 'a.txt'), 'utf8')).toBe('a');
  });

  test('a folder path is required', async () => {
    await expect(nodeStorage('')).rejects.toThrow('nodeStorage: dir: expected a folder path, got ""');
  });
});

describe('opfsStorage', () => {
  test('the marker that makes a folder complete is written after every file, and is never listed', async () => {
    const origin = new FakeOpfsDirectory();
    const storage = await opfsStorage('run', origin);
    const run = await origin.getDirectoryHandle('run');
    await storage.writeFolder('checkpoint-1', async (folder) => {
      await folder.writeFile('a.txt', 'a');
      await folder.writeFile('b.txt', 'b');
      const inside = await run.getDirectoryHandle('checkpoint-1');
      expect([...inside.children.keys()]).toEqual(['a.txt', 'b.txt']);
      expect(await storage.list()).toEqual([]);
    });
    const inside = await run.getDirectoryHandle('checkpoint-1');
    expect([...inside.children.keys()]).toEqual(['a.txt', 'b.txt', COMPLETE_MARKER]);
    expect((await storage.list('checkpoint-1')).map((e) => e.name)).toEqual(['a.txt', 'b.txt']);
    expect(storage.pathOf('checkpoint-1/a.txt')).toBe('opfs:run/checkpoint-1/a.txt');
    await expect(
      storage.writeFolder('checkpoint-2', (f) => f.writeFile(COMPLETE_MARKER, '')),
    ).rejects.toThrow(StorageError);
  });

  test('without an Origin Private File System (Node) it rejects with StorageError, not a TypeError', async () => {
    const error = await opfsStorage('run').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toBe(
      'opfs:run: expected the Origin Private File System with FileSystemFileHandle.createWritable, got a runtime without it',
    );
  });
});
