// The demo page: workspace packages from their TypeScript source, a module Web Worker for the training, and
// cross-origin isolation (COOP/COEP) on the dev and preview servers so SharedArrayBuffer and shared wasm memory exist.
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';
import { nodeBuiltinsGuard } from './src/node-builtins-guard.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * @lora/datasets imports csv-parse/sync, whose ESM entry reads Node's Buffer as it loads (the dev server loads it;
 * a build tree-shakes it away). csv-parse ships a browser build (dist/esm, with its own Buffer): the page uses that.
 */
const csvParseEntry = createRequire(join(repoRoot, 'packages/datasets/package.json')).resolve(
  'csv-parse/sync',
);
const csvParseSync = join(
  csvParseEntry.slice(0, csvParseEntry.lastIndexOf(`${sep}csv-parse${sep}`)),
  'csv-parse/dist/esm/sync.js',
);

/** The headers that make a page crossOriginIsolated (also set by the test server and needed on any static host). */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Static Node imports in code the page loads, reported to the owners of those packages; each becomes a stub that
 * throws if called (never on the demo's path). Remove an entry once its package is fixed: the build then keeps it out.
 */
const reported: string[] = [
  // @lora/models: causal-lm.ts imports load.ts and save.ts statically (CausalLM.load / save), which import node:fs and
  // the Node side of @lora/safetensors; an import() inside load()/save(), or a ./browser entry, removes all of these.
  'packages/models/src/load.ts > node:fs/promises',
  'packages/models/src/load.ts > node:path',
  'packages/models/src/save.ts > node:fs/promises',
  'packages/models/src/save.ts > node:path',
  'packages/safetensors/src/checkpoint.ts > node:fs/promises',
  'packages/safetensors/src/checkpoint.ts > node:path',
  'packages/safetensors/src/file.ts > node:fs/promises',
  'packages/safetensors/src/shards.ts > node:fs/promises',
  'packages/safetensors/src/shards.ts > node:path',
  'packages/safetensors/src/write.ts > node:crypto',
  'packages/safetensors/src/write.ts > node:fs/promises',
  'packages/safetensors/src/write.ts > node:path',
];

export default defineConfig({
  base: './',
  resolve: {
    conditions: ['@lora/source', ...defaultClientConditions],
    alias: [{ find: /^csv-parse\/sync$/, replacement: csvParseSync }],
  },
  server: { headers: isolation },
  preview: { headers: isolation },
  plugins: [nodeBuiltinsGuard({ root: repoRoot, allow: reported, bundle: 'page' })],
  worker: {
    format: 'es',
    plugins: () => [nodeBuiltinsGuard({ root: repoRoot, allow: reported, bundle: 'worker' })],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
});
