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
 * Static Node imports in code the page loads that are reported to their package's owner: each would become a stub
 * that throws if called, with a warning instead of a failed build. Empty: @lora/models and @lora/safetensors import
 * Node's file system inside the functions that use it, so the build keeps every `node:` module out of the page.
 */
const reported: string[] = [];

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
