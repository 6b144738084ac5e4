// The planner held to real runs: fixtures/measured-peak-rss.json records the peak RSS of `lora train` runs (load,
// quantize, one optimizer step, checkpoint) on random-weight checkpoints of real config.json files, measured by
// scripts/measure-peak-rss.ts; each plan must be within 15% of its run. Nothing here runs a model.
import { readFileSync } from 'node:fs';
import { DEFAULT_VOCAB_CHUNK, memoryShapes, parseModelConfig } from '@lora/models';
import { expect, test } from 'vitest';
import { type MemoryPlanInput, planMemory } from './memory-plan.js';
import { type MeasuredRun, measuredRunPlanInput } from './memory-plan-measured.js';

const { runs } = JSON.parse(
  readFileSync(new URL('../fixtures/measured-peak-rss.json', import.meta.url), 'utf8'),
) as { runs: MeasuredRun[] };

/** The plan `lora train` makes for a recorded run. */
const planOf = (run: MeasuredRun): MemoryPlanInput =>
  measuredRunPlanInput(run, memoryShapes(parseModelConfig(run.config, run.name)), DEFAULT_VOCAB_CHUNK);

test('the fixture holds the 0.5B- and 1.5B-shaped QLoRA runs at short and 512-token sequences', () => {
  const names = runs.map((r) => r.name);
  for (const shape of ['qwen2.5-0.5b', 'qwen2.5-1.5b'])
    for (const tokens of [93, 512]) expect(names).toContain(`${shape}-t${tokens}`);
  expect(names).toContain('qwen2.5-1.5b-t512-gc');
});

test('QLoRA of the 1.5B shape at 512 tokens with gradient checkpointing is planned within 3 GB', () => {
  const run = runs.find((r) => r.name === 'qwen2.5-1.5b-t512-gc')!;
  expect(run.settings.gradient_checkpointing).toBe(true);
  expect(planMemory(planOf(run)).total).toBeLessThanOrEqual(3e9);
});

test.each(runs)('$name: the plan is within 15 percent of the measured peak RSS', (run) => {
  const plan = planMemory(planOf(run));
  const ratio = plan.total / run.peakRssBytes;
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  expect(
    Math.abs(ratio - 1),
    `planned ${gib(plan.total)}, measured ${gib(run.peakRssBytes)} (${run.command})`,
  ).toBeLessThanOrEqual(0.15);
});
