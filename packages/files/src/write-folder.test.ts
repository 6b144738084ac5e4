import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FilesError } from './errors.js';
import { testDir } from './test-dir.test-support.js';
import { writeFolderAtomic, writeIntoFolder } from './write-folder.js';

const root = testDir('lora-files-folder-');

describe('writeFolderAtomic', () => {
  test('creates the folder with what fill wrote, and replaces an older one whole', async () => {
    const parent = join(root, 'a');
    const first = await writeFolderAtomic(parent, 'checkpoint-1', async (dir) => {
      writeFileSync(join(dir, 'x'), '1');
      writeFileSync(join(dir, 'old-only'), '1');
    });
    expect(first).toBe(join(parent, 'checkpoint-1'));
    await writeFolderAtomic(parent, 'checkpoint-1', async (dir) => writeFileSync(join(dir, 'x'), '2'));
    expect(readdirSync(first)).toEqual(['x']);
    expect(readFileSync(join(first, 'x'), 'utf8')).toBe('2');
    expect(readdirSync(parent)).toEqual(['checkpoint-1']);
  });

  test('a failing fill leaves the old folder as it was, no temp folder, and its error as it is', async () => {
    const parent = join(root, 'b');
    await writeFolderAtomic(parent, 'c', async (dir) => writeFileSync(join(dir, 'x'), 'kept'));
    const boom = new Error('disk on fire');
    await expect(
      writeFolderAtomic(parent, 'c', async (dir) => {
        writeFileSync(join(dir, 'x'), 'half');
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(readFileSync(join(parent, 'c', 'x'), 'utf8')).toBe('kept');
    expect(readdirSync(parent)).toEqual(['c']);
  });

  test('a file where the parent folder should be is a FilesError', async () => {
    writeFileSync(join(root, 'plain'), '');
    await expect(writeFolderAtomic(join(root, 'plain'), 'c', async () => undefined)).rejects.toBeInstanceOf(
      FilesError,
    );
  });
});

describe('writeIntoFolder', () => {
  test('moves the written files into the folder beside what is there, leaving no temp', async () => {
    const dir = join(root, 'out');
    mkdirSync(dir);
    writeFileSync(join(dir, 'metrics.jsonl'), 'm');
    const names = await writeIntoFolder(
      dir,
      async (temp) => {
        writeFileSync(join(temp, 'adapter_config.json'), '{}');
        writeFileSync(join(temp, 'adapter_model.safetensors'), 'w');
      },
      { last: ['adapter_config.json'] },
    );
    expect(names).toEqual(['adapter_model.safetensors', 'adapter_config.json']);
    expect(readdirSync(dir).sort()).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
      'metrics.jsonl',
    ]);
  });

  test('a failing fill changes nothing in the folder', async () => {
    const dir = join(root, 'out2');
    mkdirSync(dir);
    writeFileSync(join(dir, 'adapter_model.safetensors'), 'previous');
    await expect(
      writeIntoFolder(dir, async (temp) => {
        writeFileSync(join(temp, 'adapter_model.safetensors'), 'half');
        throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    expect(readdirSync(dir)).toEqual(['adapter_model.safetensors']);
    expect(readFileSync(join(dir, 'adapter_model.safetensors'), 'utf8')).toBe('previous');
    expect(existsSync(join(dir, 'adapter_config.json'))).toBe(false);
  });
});
