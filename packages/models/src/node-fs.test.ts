import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staticNodeImportsIn } from '@lora/testing';
import { afterEach, describe, expect, test, vi } from 'vitest';

const srcDir = fileURLToPath(new URL('.', import.meta.url));

describe('no static node: import in the package (a web page bundles it: CausalLM.fromWeights, generate)', () => {
  test.each(staticNodeImportsIn(srcDir))('$file imports Node built-ins only inside functions', ({ imports }) => {
    expect(imports).toEqual([]);
  });
});

describe('nodeFs', () => {
  afterEach(() => {
    vi.doUnmock('node:path');
    vi.resetModules();
  });

  test('loads fs and path once', async () => {
    const { nodeFs } = await import('./node-fs.js');
    const a = await nodeFs('model');
    expect(typeof a.fs.readFile).toBe('function');
    expect(a.path.join('x', 'config.json')).toBe(join('x', 'config.json'));
    expect(await nodeFs('other')).toBe(a);
  });

  test('without a Node file system: a ModelLoadError naming the folder and fromWeights', async () => {
    vi.resetModules();
    vi.doMock('node:path', () => {
      throw new Error('no such module');
    });
    const { nodeFs } = await import('./node-fs.js');
    const { ModelLoadError } = await import('./errors.js');
    const error = await nodeFs('/models/tiny').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(
      /^\/models\/tiny: needs a file system: expected Node\.js .*CausalLM\.fromWeights\): ./,
    );
  });
});
