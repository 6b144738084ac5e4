import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FilesError } from './errors.js';
import { ensureFolder } from './folder.js';
import { testDir } from './test-dir.test-support.js';

const root = testDir('lora-files-ensure-');

describe('ensureFolder', () => {
  test('creates a missing folder and its parents; an existing folder is fine', async () => {
    const dir = join(root, 'a', 'b', 'c');
    await ensureFolder(dir);
    await ensureFolder(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
  });

  test.each([
    ['a file', (p: string) => writeFileSync(p, 'x'), (p: string) => `${p}: expected a folder, got a file`],
    [
      'a dangling symbolic link',
      (p: string) => symlinkSync(join(root, 'gone'), p),
      (p: string) => `${p}: expected a folder, got a dangling symbolic link to ${join(root, 'gone')}`,
    ],
    [
      'a file on the way',
      (p: string) => writeFileSync(p, 'x'),
      (p: string) => `${join(p, 'out')}: expected a folder, got a file on the way at ${p}`,
      'out',
    ],
  ])(
    '%s is one line naming the path, what was expected and what was found',
    async (_, make, message, sub?) => {
      const path = join(root, `case-${Math.random().toString(36).slice(2)}`);
      make(path);
      const error = await ensureFolder(sub ? join(path, sub) : path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FilesError);
      expect((error as Error).message).toBe(message(path));
    },
  );

  test.skipIf(process.getuid?.() === 0)('a read-only folder is named as such (not run as root)', async () => {
    const dir = join(root, 'ro');
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    await expect(ensureFolder(dir)).rejects.toThrow(
      `${dir}: expected a writable folder, got a read-only folder`,
    );
    await expect(ensureFolder(join(dir, 'sub'))).rejects.toThrow(
      `${join(dir, 'sub')}: expected a folder that can be created, got no permission to write there (EACCES) in ${dir}`,
    );
    chmodSync(dir, 0o755);
  });
});
