// Records fixtures/expected-losses.json from the seeded run in src/expected-run.test-support.ts.
// Run from the repository root:  npx tsx --conditions=@lora/source packages/sft/scripts/record-expected-losses.ts
// Re-record only for an intended change of semantics, and say which in the commit.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expectedRun } from '../src/expected-run.test-support.js';
import { memoryStorage } from '../src/memory-storage.js';

const run = await expectedRun(memoryStorage());
const path = fileURLToPath(new URL('../fixtures/expected-losses.json', import.meta.url));
const command = 'npx tsx --conditions=@lora/source packages/sft/scripts/record-expected-losses.ts';
await writeFile(path, `${JSON.stringify({ command, ...run }, null, 2)}\n`);
console.log(`wrote ${path}: ${run.losses.length} steps, final loss ${run.losses.at(-1)}`);
