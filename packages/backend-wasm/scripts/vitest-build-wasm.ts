// vitest globalSetup: rebuild src/generated/kernels.ts when assembly/ changed since the last build (a hash check
// when nothing did), so tests never run stale kernels.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function setup(): void {
  const script = fileURLToPath(new URL('./build-wasm.mjs', import.meta.url));
  execFileSync(process.execPath, [script], { stdio: ['ignore', 'ignore', 'inherit'] });
}
