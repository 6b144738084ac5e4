import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staticNodeImportsIn } from '@lora/testing';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { SafetensorsError } from './errors.js';

const srcDir = fileURLToPath(new URL('.', import.meta.url));

describe('no static node: import in the package', () => {
  test.each(staticNodeImportsIn(srcDir))('$file imports Node built-ins only inside functions', ({ imports }) => {
    expect(imports).toEqual([]);
  });
});

describe('nodeFs', () => {
  afterEach(() => {
    vi.doUnmock('node:crypto');
    vi.resetModules();
  });

  test('loads fs, path and crypto once', async () => {
    const { nodeFs } = await import('./node-fs.js');
    const a = await nodeFs('a.safetensors');
    expect(typeof a.fs.open).toBe('function');
    expect(a.path.join('x', 'y')).toBe(join('x', 'y'));
    expect(typeof a.crypto.randomBytes).toBe('function');
    expect(await nodeFs('b.safetensors')).toBe(a);
  });

  test('without a Node file system: an Io error naming the file and the browser entry', async () => {
    vi.resetModules();
    vi.doMock('node:crypto', () => {
      throw new Error('no such module');
    });
    const { nodeFs } = await import('./node-fs.js');
    const { SafetensorsError: FreshError } = await import('./errors.js');
    const error = await nodeFs('/x/model.safetensors').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FreshError);
    expect(error).toMatchObject({ code: 'Io', file: '/x/model.safetensors' });
    expect((error as SafetensorsError).message).toMatch(
      /^\/x\/model\.safetensors: needs a file system: expected Node\.js .*@lora\/safetensors\/browser/,
    );
  });
});
