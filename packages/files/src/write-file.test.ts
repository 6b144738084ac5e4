import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FilesError } from './errors.js';
import { testDir } from './test-dir.test-support.js';
import { writeFileAtomic, writeFilesAtomic } from './write-file.js';

const root = testDir('lora-files-write-');

describe('writeFileAtomic', () => {
  test('writes text, bytes, or what a function writes, leaving no temp file', async () => {
    const dir = join(root, 'kinds');
    mkdirSync(dir);
    await writeFileAtomic(join(dir, 'a.txt'), 'héllo\n');
    await writeFileAtomic(join(dir, 'b.bin'), Uint8Array.of(1, 2, 3));
    await writeFileAtomic(join(dir, 'c.bin'), async (fh) => void (await fh.write(Uint8Array.of(9), 0, 1, 0)));
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('héllo\n');
    expect([...readFileSync(join(dir, 'b.bin'))]).toEqual([1, 2, 3]);
    expect([...readFileSync(join(dir, 'c.bin'))]).toEqual([9]);
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'b.bin', 'c.bin']);
  });

  test('replaces an existing file', async () => {
    const path = join(root, 'replace.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new', { fsync: false });
    expect(readFileSync(path, 'utf8')).toBe('new');
  });

  test("a function's error comes back as it is; the old file and nothing else is left", async () => {
    const dir = join(root, 'fails');
    mkdirSync(dir);
    writeFileSync(join(dir, 'f'), 'old');
    class Mine extends Error {}
    const failing = writeFileAtomic(join(dir, 'f'), async (fh) => {
      await fh.write(Uint8Array.of(1));
      throw new Mine('stop');
    });
    await expect(failing).rejects.toBeInstanceOf(Mine);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['f']);
  });

  test('a missing folder is a FilesError saying what was expected and found, with the path', async () => {
    const path = join(root, 'nowhere', 'x.json');
    const error = await writeFileAtomic(path, '{}').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FilesError);
    expect((error as Error).message).toBe(
      `${path}: expected a writable folder ${join(root, 'nowhere')} to write it in, got nothing there (ENOENT)`,
    );
  });

  test('a folder in the way of the target is named as such', async () => {
    const path = join(root, 'is-a-folder');
    mkdirSync(join(path, 'inner'), { recursive: true });
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(
      `${path}: expected a file that can be replaced, got a folder of that name`,
    );
    expect(readdirSync(root).filter((n) => n.includes('is-a-folder'))).toEqual(['is-a-folder']);
  });
});

describe('writeFilesAtomic', () => {
  test('writes every file', async () => {
    const dir = join(root, 'set');
    mkdirSync(dir);
    await writeFilesAtomic([
      { path: join(dir, 'train.jsonl'), contents: 'a\n' },
      { path: join(dir, 'eval.jsonl'), contents: 'b\n' },
    ]);
    expect(readFileSync(join(dir, 'train.jsonl'), 'utf8')).toBe('a\n');
    expect(readFileSync(join(dir, 'eval.jsonl'), 'utf8')).toBe('b\n');
    expect(readdirSync(dir).sort()).toEqual(['eval.jsonl', 'train.jsonl']);
  });

  test('when one file cannot be written, none is replaced and no temp is left', async () => {
    const dir = join(root, 'set-fails');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train.jsonl'), 'old');
    const error = await writeFilesAtomic([
      { path: join(dir, 'train.jsonl'), contents: 'new' },
      { path: join(dir, 'missing', 'eval.jsonl'), contents: 'new' },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FilesError);
    expect((error as FilesError).path).toBe(join(dir, 'missing', 'eval.jsonl'));
    expect(readFileSync(join(dir, 'train.jsonl'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['train.jsonl']);
  });
});
