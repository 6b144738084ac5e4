import { defineConfig } from 'vitest/config';

export default defineConfig({
  // two files at a time, even on 2 cores: the browser and SwiftShader tests wait on Chromium and the GPU queue
  // much of the time, so a second worker overlaps that with CPU-bound files
  test: { projects: ['packages/*', 'apps/*', 'docs'], maxWorkers: 2 },
});
