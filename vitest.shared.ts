import { defineConfig } from 'vitest/config';

/** The one vitest setup every package shares: resolve workspace packages to their TypeScript source. */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['@lora/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@lora/source', 'module', 'node', 'import', 'default'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // a worker runs its test files in one module cache: each file does not pay for importing the packages again
    // (a third of the suite's time). A test that needs a fresh module loads it after vi.resetModules().
    isolate: false,
  },
});
