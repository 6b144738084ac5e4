import { defineConfig } from 'vitest/config';
import { sharedConfig } from '../vitest.shared.js';

// The shared setup, with one change: vitest hands `ssr.resolve.conditions` to Node as --conditions for the modules
// it does not transform, and the shared list's `import` makes require() inside VitePress's bundled Vite resolve
// rollup to its ES build (whose ../../package.json does not exist). Node applies import/require and default by
// itself, so the docs tests pass only the source condition and `node`.
export default defineConfig({
  ...sharedConfig,
  ssr: { ...sharedConfig.ssr, resolve: { conditions: ['@lora/source', 'node'] } },
});
