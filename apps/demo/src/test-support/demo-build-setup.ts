// Vitest global setup of the demo's tests: a fresh folder per run for the page built by the first browser test
// that needs it (demo-build.ts), removed when the run ends.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'lora-demo-build-'));
  project.provide('demoBuildDir', dir);
  return () => rm(dir, { recursive: true, force: true });
}
