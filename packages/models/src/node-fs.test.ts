import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test, vi } from 'vitest';

const srcDir = fileURLToPath(new URL('.', import.meta.url));

/** `import … from 'node:…'` / `export … from 'node:…'` / `import 'node:…'` statements that are not `import type`. */
function staticNodeImports(source: string): string[] {
  const statements =
    source.match(/^(?:(?:import|export)\b[^;'"()]*?\bfrom\s*|import\s*)['"]node:[^'"]+['"]/gm) ?? [];
  return statements.filter((s) => !/^import\s+type\b/.test(s)).map((s) => /node:[^'"]+/.exec(s)![0]);
}

describe('no static node: import in the package (a web page bundles it: CausalLM.fromWeights, generate)', () => {
  test.each([
    ["import { readFile } from 'node:fs/promises';", ['node:fs/promises']],
    ["import type { FileHandle } from 'node:fs/promises';", []],
    ["import {\n  join,\n} from 'node:path';", ['node:path']],
    ["import 'node:os';", ['node:os']],
    ["const { fs } = await import('node:fs/promises');", []],
    ["interface X {\n  fs: typeof import('node:fs/promises');\n}", []],
  ])('the scanner reads %j as %j', (source, expected) => {
    expect(staticNodeImports(source)).toEqual(expected);
  });

  const files = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.test-support.ts'),
  );
  test.each(files)('%s imports Node built-ins only inside functions', (file) => {
    expect(staticNodeImports(readFileSync(join(srcDir, file), 'utf8'))).toEqual([]);
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
