import { fileURLToPath } from 'node:url';
import { staticNodeImportsIn } from '@lora/testing';
import { describe, expect, test, vi } from 'vitest';

const srcDir = fileURLToPath(new URL('.', import.meta.url));

describe('no static node: import in the package (a browser bundle of a package using it pulls none)', () => {
  test.each(staticNodeImportsIn(srcDir))(
    '$file imports Node built-ins only inside functions',
    ({ imports }) => {
      expect(imports).toEqual([]);
    },
  );
});

test('without a Node file system: a FilesError naming the path, not a failed import', async () => {
  vi.resetModules();
  vi.doMock('node:crypto', () => {
    throw new Error('no such module');
  });
  const { writeFileAtomic } = await import('./write-file.js');
  const { FilesError } = await import('./errors.js');
  const error = await writeFileAtomic('/x/a.json', '{}').catch((e: unknown) => e);
  vi.doUnmock('node:crypto');
  vi.resetModules();
  expect(error).toBeInstanceOf(FilesError);
  expect((error as Error).message).toBe(
    '/x/a.json: expected a Node.js file system (node:fs), got a runtime without one',
  );
});
