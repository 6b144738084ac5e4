import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { SafetensorsError } from './errors.js';

const srcDir = fileURLToPath(new URL('.', import.meta.url));

/** `import … from 'node:…'` / `export … from 'node:…'` / `import 'node:…'` statements that are not `import type`. */
function staticNodeImports(source: string): string[] {
  const statements =
    source.match(/^(?:(?:import|export)\b[^;'"()]*?\bfrom\s*|import\s*)['"]node:[^'"]+['"]/gm) ?? [];
  return statements.filter((s) => !/^import\s+type\b/.test(s)).map((s) => /node:[^'"]+/.exec(s)![0]);
}

describe('no static node: import in the package', () => {
  test.each([
    ["import { open } from 'node:fs/promises';", ['node:fs/promises']],
    ["import type { FileHandle } from 'node:fs/promises';", []],
    ["import {\n  join,\n  dirname,\n} from 'node:path';", ['node:path']],
    ["import 'node:crypto';", ['node:crypto']],
    ["export { join } from 'node:path';", ['node:path']],
    ["const fs = await import('node:fs/promises');", []],
    ["export interface NodeFs {\n  fs: typeof import('node:fs/promises');\n}", []],
  ])('the scanner reads %j as %j', (source, expected) => {
    expect(staticNodeImports(source)).toEqual(expected);
  });

  const files = readdirSync(srcDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  test.each(files)('%s imports Node built-ins only inside functions', (file) => {
    expect(staticNodeImports(readFileSync(join(srcDir, file), 'utf8'))).toEqual([]);
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
