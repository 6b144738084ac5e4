import { defineConfig } from 'vitest/config';

/** The one vitest setup every package shares: resolve workspace packages to their TypeScript source. */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['@lora/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@lora/source', 'module', 'node', 'import', 'default'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
