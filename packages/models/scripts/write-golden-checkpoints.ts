// Writes the tiny checkpoints of the golden cases and cases.json into a folder, for fixtures/golden.py to read:
//   tsx --conditions=@lora/source packages/models/scripts/write-golden-checkpoints.ts /tmp/lora-golden
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GOLDEN_BATCH, GOLDEN_CASES, GOLDEN_TRAINING } from '../src/golden-cases.test-support.js';
import { writeTinyCheckpoint } from '../src/tiny-checkpoint.js';

async function main(out: string): Promise<void> {
  for (const c of GOLDEN_CASES)
    await writeTinyCheckpoint(join(out, c.name), c.architecture, {
      dtype: c.dtype,
      seed: c.seed,
      overrides: c.overrides,
    });
  await writeFile(
    join(out, 'cases.json'),
    `${JSON.stringify({ batch: GOLDEN_BATCH, cases: GOLDEN_CASES, training: GOLDEN_TRAINING }, null, 2)}\n`,
  );
  console.log(`wrote ${GOLDEN_CASES.length} checkpoints and cases.json to ${out}`);
}

const out = process.argv[2];
if (!out) {
  console.error('usage: write-golden-checkpoints.ts <output folder>');
  process.exit(1);
}
await main(out);
