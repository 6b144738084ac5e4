// Records fixtures/expected-losses.json from the seeded run in src/expected-run.test-support.ts.
// Run from the repository root:  npx tsx --conditions=@lora/source packages/sft/scripts/record-expected-losses.ts
// Re-record only for an intended change of semantics, and say which in the commit.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectedRun } from '../src/expected-run.test-support.js';

const dir = await mkdtemp(join(tmpdir(), 'sft-expected-'));
const run = await expectedRun(dir);
await rm(dir, { recursive: true, force: true });
const path = fileURLToPath(new URL('../fixtures/expected-losses.json', import.meta.url));
const command = 'npx tsx --conditions=@lora/source packages/sft/scripts/record-expected-losses.ts';
await writeFile(path, `${JSON.stringify({ command, ...run }, null, 2)}\n`);
console.log(`wrote ${path}: ${run.losses.length} steps, final loss ${run.losses.at(-1)}`);
