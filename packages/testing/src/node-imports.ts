// Finds static `node:` imports in TypeScript source: a package that a web page bundles may only import Node
// built-ins inside the functions that need them (`await import('node:fs/promises')`).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The `node:` modules of `import … from 'node:…'`, `export … from 'node:…'` and `import 'node:…'` (not `import type`). */
export function staticNodeImports(source: string): string[] {
  const statements =
    source.match(/^(?:(?:import|export)\b[^;'"()]*?\bfrom\s*|import\s*)['"]node:[^'"]+['"]/gm) ?? [];
  return statements.filter((s) => !/^import\s+type\b/.test(s)).map((s) => /node:[^'"]+/.exec(s)![0]);
}

/** Non-test `.ts` files under `srcDir` (recursively, relative paths) with the static `node:` imports of each. */
export function staticNodeImportsIn(srcDir: string): { file: string; imports: string[] }[] {
  return readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('test-support'))
    .sort()
    .map((file) => ({ file, imports: staticNodeImports(readFileSync(join(srcDir, file), 'utf8')) }));
}
