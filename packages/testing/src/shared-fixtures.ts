// Locate ../shared/fixtures beside the project root; tests that need it skip with a clear message when absent.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The shared fixtures folder, or undefined when this clone has none beside it. */
export function sharedFixturesDir(): string | undefined {
  const candidates = [process.env.LORA_SHARED_FIXTURES, join(projectRoot, '..', 'shared', 'fixtures')];
  for (const dir of candidates) if (dir && existsSync(dir)) return dir;
  return undefined;
}

/** Path of a file under the shared fixtures (only call inside describeWithFixtures). */
export function sharedFixture(...parts: string[]): string {
  const dir = sharedFixturesDir();
  if (!dir) throw new Error('shared fixtures are absent: expected ../shared/fixtures beside the project root');
  return join(dir, ...parts);
}

const SKIP_NOTE = '(skipped: ../shared/fixtures is absent beside the project root; set LORA_SHARED_FIXTURES to run)';

/** describe() that runs only when the shared fixtures exist, and says why it skipped otherwise. */
export function describeWithFixtures(name: string, body: () => void): void {
  if (sharedFixturesDir()) describe(name, body);
  else describe.skip(`${name} ${SKIP_NOTE}`, body);
}
