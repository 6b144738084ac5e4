import { describe, expect, test } from 'vitest';
import { type ChunkView, staticNodeImports, stubSource } from './node-builtins-guard.js';

const FS = '\0node-builtin:node:fs/promises';
const OS = '\0node-builtin:node:os';

describe('staticNodeImports', () => {
  const chunks: ChunkView[] = [
    { fileName: 'index.js', isEntry: true, imports: ['shared.js'], modules: ['/a/main.ts'] },
    { fileName: 'shared.js', isEntry: false, imports: [], modules: ['/a/load.ts', FS] },
    { fileName: 'pool-node.js', isEntry: false, imports: ['shared.js'], modules: ['/a/pool-node.ts', OS] },
  ];
  const importers: Record<string, string[]> = {
    [FS]: ['/a/load.ts', '/a/pool-node.ts'],
    [OS]: ['/a/pool-node.ts'],
  };

  test('finds builtins in chunks an entry loads statically, with their importers there', () => {
    expect(staticNodeImports(chunks, (id) => importers[id] ?? [])).toEqual([
      { builtin: 'node:fs/promises', importer: '/a/load.ts' },
    ]);
  });

  test('a chunk reached only by import() is lazy: its Node branch is not reported', () => {
    const lazyOnly = chunks.map((c) => (c.fileName === 'index.js' ? { ...c, imports: [] } : c));
    expect(staticNodeImports(lazyOnly, (id) => importers[id] ?? [])).toEqual([]);
  });

  test('a second entry (the worker) is followed too', () => {
    const withWorker = chunks.map((c) => (c.fileName === 'pool-node.js' ? { ...c, isEntry: true } : c));
    expect(staticNodeImports(withWorker, (id) => importers[id] ?? [])).toEqual([
      { builtin: 'node:fs/promises', importer: '/a/load.ts' },
      { builtin: 'node:fs/promises', importer: '/a/pool-node.ts' },
      { builtin: 'node:os', importer: '/a/pool-node.ts' },
    ]);
  });
});

describe('stubSource', () => {
  test('exports every identifier name, each throwing a message that names the builtin, when called', async () => {
    const source = stubSource('node:fs/promises', ['readFile', 'default', 'not-an-identifier', 'constants']);
    expect(source).toContain('export const readFile =');
    expect(source).toContain('export const constants =');
    expect(source).not.toContain('not-an-identifier');
    const module = (await import(`data:text/javascript,${encodeURIComponent(source)}`)) as Record<
      string,
      () => unknown
    > & {
      default: Record<string, () => unknown>;
    };
    expect(() => module.readFile!()).toThrow(
      'node:fs/promises: readFile is Node-only: not available in a web page',
    );
    expect(() => module.default.writeFile!()).toThrow('node:fs/promises: writeFile is Node-only');
    expect((module.default as { then?: unknown }).then).toBeUndefined();
  });
});
