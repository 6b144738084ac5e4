import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

// the page is built once per run, by the first browser test that opens it (src/test-support/demo-build.ts)
export default mergeConfig(
  sharedConfig,
  defineConfig({ test: { globalSetup: ['./src/test-support/demo-build-setup.ts'] } }),
);
