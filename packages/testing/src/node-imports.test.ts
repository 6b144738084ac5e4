import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { staticNodeImports, staticNodeImportsIn } from './node-imports.js';

describe('staticNodeImports', () => {
  test.each([
    ["import { open } from 'node:fs/promises';", ['node:fs/promises']],
    ["import type { FileHandle } from 'node:fs/promises';", []],
    ["import {\n  join,\n  dirname,\n} from 'node:path';", ['node:path']],
    ["import 'node:crypto';", ['node:crypto']],
    ["export { join } from 'node:path';", ['node:path']],
    ['import { readFile } from "node:fs/promises";', ['node:fs/promises']],
    ["const fs = await import('node:fs/promises');", []],
    ["export interface NodeFs {\n  fs: typeof import('node:fs/promises');\n}", []],
    ["import { x } from './node:thing.js';", []],
  ])('reads %j as %j', (source, expected) => {
    expect(staticNodeImports(source)).toEqual(expected);
  });
});

describe('staticNodeImportsIn', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-node-imports-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('lists every non-test source file, nested ones too, with its static node: imports', () => {
    mkdirSync(join(dir, 'sub'));
    mkdirSync(join(dir, 'test-support'));
    writeFileSync(join(dir, 'a.ts'), "import { join } from 'node:path';\n");
    writeFileSync(join(dir, 'a.test.ts'), "import { join } from 'node:path';\n");
    writeFileSync(join(dir, 'sub', 'b.ts'), "const fs = await import('node:fs');\n");
    writeFileSync(join(dir, 'test-support', 'c.ts'), "import 'node:os';\n");
    expect(staticNodeImportsIn(dir)).toEqual([
      { file: 'a.ts', imports: ['node:path'] },
      { file: join('sub', 'b.ts'), imports: [] },
    ]);
  });
});
