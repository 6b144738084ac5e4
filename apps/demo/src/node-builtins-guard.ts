// A Vite plugin that keeps Node-only modules out of the page: every `node:*` import becomes a stub whose functions
// throw when called (so a Node-only branch that is never taken costs nothing), and a build fails when a stub is
// reachable from the page or worker entry through static imports, naming the file that imports it — unless that
// pair is on the allow list of problems already reported to the package's owner.
import { isBuiltin } from 'node:module';
import { relative } from 'node:path';
import type { Plugin } from 'vite';

const PREFIX = '\0node-builtin:';

/** "<importer relative to the repo root> > <builtin>", e.g. "packages/models/src/load.ts > node:fs/promises" */
export type NodeImport = string;

/** The rendered output as far as the check needs it: chunks, their static imports, their modules. */
export interface ChunkView {
  fileName: string;
  isEntry: boolean;
  /** file names of the chunks it imports statically */
  imports: readonly string[];
  /** module ids rendered into it (tree-shaken-away modules excluded) */
  modules: readonly string[];
}

/**
 * The builtins in chunks that load with an entry (static imports only), each with its importers among the modules
 * of those chunks. Chunks reached only through `import()` are lazy: a Node-only branch there is fine.
 */
export function staticNodeImports(
  chunks: readonly ChunkView[],
  importersOf: (id: string) => readonly string[],
): { builtin: string; importer: string }[] {
  const byName = new Map(chunks.map((c) => [c.fileName, c]));
  const eager = new Set<string>();
  const queue = chunks.filter((c) => c.isEntry).map((c) => c.fileName);
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (eager.has(name)) continue;
    eager.add(name);
    for (const next of byName.get(name)?.imports ?? []) queue.push(next);
  }
  const eagerModules = new Set([...eager].flatMap((n) => byName.get(n)?.modules ?? []));
  const found: { builtin: string; importer: string }[] = [];
  for (const id of eagerModules) {
    if (!id.startsWith(PREFIX)) continue;
    for (const importer of importersOf(id)) {
      if (eagerModules.has(importer)) found.push({ builtin: id.slice(PREFIX.length), importer });
    }
  }
  return found.sort((a, b) => `${a.importer}${a.builtin}`.localeCompare(`${b.importer}${b.builtin}`));
}

/** ES module source of a stub for `builtin` exporting `names`: each export throws when called or constructed. */
export function stubSource(builtin: string, names: readonly string[]): string {
  const valid = names.filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
  const lines = [
    `const unavailable = (name) => function () { throw new Error(${JSON.stringify(builtin)} + ': ' + name + ' is Node-only: not available in a web page'); };`,
    ...valid.map((n) => `export const ${n} = /*#__PURE__*/ unavailable(${JSON.stringify(n)});`),
    // not thenable, so `await import(...)` interop never mistakes it for a promise
    "export default /*#__PURE__*/ new Proxy({}, { get: (_, name) => (name === 'then' || typeof name === 'symbol' ? undefined : unavailable(name)) });",
  ];
  return `${lines.join('\n')}\n`;
}

export interface NodeBuiltinsGuardOptions {
  /** the repo root, for the file names in messages */
  root: string;
  /** static Node imports already reported to their package's owner: warned about, not fatal */
  allow?: readonly NodeImport[];
  /** 'bundle' names the bundle in messages (the page, the worker) */
  bundle: string;
}

export function nodeBuiltinsGuard(options: NodeBuiltinsGuardOptions): Plugin {
  const allow = new Set(options.allow ?? []);
  return {
    name: 'lora-demo:node-builtins-guard',
    enforce: 'pre',
    resolveId(source) {
      return isBuiltin(source) ? { id: `${PREFIX}${source}`, moduleSideEffects: false } : undefined;
    },
    async load(id) {
      if (!id.startsWith(PREFIX)) return undefined;
      const builtin = id.slice(PREFIX.length);
      return stubSource(builtin, Object.keys(await import(builtin)));
    },
    generateBundle(_options, bundle) {
      const chunks: ChunkView[] = [];
      for (const out of Object.values(bundle)) {
        if (out.type !== 'chunk') continue;
        const modules = Object.entries(out.modules)
          .filter(([, m]) => m.renderedLength > 0)
          .map(([id]) => id);
        chunks.push({ fileName: out.fileName, isEntry: out.isEntry, imports: out.imports, modules });
      }
      const found = staticNodeImports(chunks, (id) => this.getModuleInfo(id)?.importers ?? []).map(
        ({ builtin, importer }) => `${relative(options.root, importer)} > ${builtin}`,
      );
      const fatal = found.filter((f) => !allow.has(f));
      for (const f of found.filter((x) => allow.has(x))) {
        this.warn(
          `${options.bundle}: Node-only import reaches the bundle (on the allow list, reported): ${f}`,
        );
      }
      if (fatal.length > 0) {
        this.error(
          `${options.bundle}: Node-only modules reach the bundle through static imports: expected none, got\n  ${fatal.join('\n  ')}\n` +
            'move them behind a dynamic import() or a ./browser entry of that package',
        );
      }
    },
  };
}
