import { readFileSync } from 'node:fs';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { type ExpectedRun, expectedRun } from './expected-run.test-support.js';
import { tempStorage } from './trainer.test-support.js';

// Recorded once with the command stored in the file (llm.c expected_losses style). Compared with rtol 1e-9 rather
// than bit for bit so a reordered float64 sum in a reference kernel does not fail it; any semantic change does.
// Re-recorded when the step moved onto the device (micro-batch loss sums, Σ g² and the clip factor held in float32):
// every value moved by at most 4.4e-8 relative — that rounding, nothing else (ToyLM still draws per element).
const recorded = JSON.parse(
  readFileSync(new URL('../fixtures/expected-losses.json', import.meta.url), 'utf8'),
) as ExpectedRun & { command: string };

describe('seeded short run', () => {
  test('losses, grad norms, learning rates and eval losses equal the recorded values', async () => {
    const run = await expectedRun(await tempStorage('expected'));
    expect(run.losses).toHaveLength(recorded.losses.length);
    expectClose(run.losses, recorded.losses, { rtol: 1e-9, atol: 0 }, 'loss');
    expectClose(run.gradNorms, recorded.gradNorms, { rtol: 1e-9, atol: 0 }, 'grad_norm');
    expect(run.learningRates).toEqual(recorded.learningRates);
    expectClose(run.evalLosses, recorded.evalLosses, { rtol: 1e-9, atol: 0 }, 'eval_loss');
    expect(recorded.losses.at(-1)!).toBeLessThan(recorded.losses[0]!);
  });
});
