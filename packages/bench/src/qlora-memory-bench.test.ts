import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_VOCAB_CHUNK, memoryShapes, parseModelConfig } from '@lora/models';
import { type MeasuredRun, measuredRunPlanInput, planMemory } from '@lora/sft';
import { describe, expect, test } from 'vitest';
import {
  memoryFixtures,
  planAgainst,
  QLORA_MEMORY_CASE,
  type QloraMemoryResult,
  qloraMemoryLines,
  sharedFixtureDirs,
} from './qlora-memory-bench.js';

const { runs } = JSON.parse(
  readFileSync(new URL('../../sft/fixtures/measured-peak-rss.json', import.meta.url), 'utf8'),
) as { runs: MeasuredRun[] };
const recorded = runs.find((r) => r.name === QLORA_MEMORY_CASE.name)!;

describe('memoryFixtures', () => {
  const files = (dir: string) => [
    join(dir, 'qwen2.5-instruct', 'config.qwen2.5-1.5b-instruct.resaved-transformers5.json'),
    join(dir, 'qwen2.5-instruct', 'tokenizer.json'),
    join(dir, 'qwen2.5-instruct', 'tokenizer_config.json'),
  ];

  test('the first folder holding the config and both tokenizer files', () => {
    const present = new Set([...files('/b'), ...files('/c')]);
    expect(memoryFixtures(['/a', '/b', '/c'], (f) => present.has(f))).toEqual({
      config: files('/b')[0],
      tokenizer: join('/b', 'qwen2.5-instruct'),
    });
  });

  test('a folder missing a tokenizer file does not count; none found is one line naming what and where', () => {
    const present = new Set(files('/a').slice(0, 2));
    expect(memoryFixtures(['/a', '/b'], (f) => present.has(f))).toEqual({
      skipped:
        'QLoRA 1.5B memory: expected the shared fixture qwen2.5-instruct/config.qwen2.5-1.5b-instruct.resaved-' +
        'transformers5.json with tokenizer.json and tokenizer_config.json in /a or /b, found none',
    });
  });

  test('LORA_SHARED_FIXTURES is searched first', () => {
    expect(sharedFixtureDirs({ LORA_SHARED_FIXTURES: '/x' })[0]).toBe('/x');
    expect(sharedFixtureDirs({}).at(-1)).toMatch(/shared[/\\]fixtures$/);
  });
});

test("the case is the sft fixture's 1.5B QLoRA run at 512 tokens with gradient checkpointing", () => {
  expect([recorded.tokens, recorded.settings.gradient_checkpointing, recorded.settings.quant]).toEqual([
    QLORA_MEMORY_CASE.tokens,
    QLORA_MEMORY_CASE.gradientCheckpointing,
    'nf4',
  ]);
  expect(recorded.source).toBe(`../shared/fixtures/${QLORA_MEMORY_CASE.config.join('/')}`);
});

test("planAgainst is the planner's total for the run, divided by its measured peak", () => {
  const model = memoryShapes(parseModelConfig(recorded.config));
  const planned = planMemory(measuredRunPlanInput(recorded, model, DEFAULT_VOCAB_CHUNK)).total;
  const { plannedBytes, planRatio } = planAgainst(recorded);
  expect(plannedBytes).toBe(planned);
  expect(planRatio).toBeCloseTo(planned / recorded.peakRssBytes, 12);
  expect(planAgainst({ ...recorded, peakRssBytes: recorded.peakRssBytes * 2 }).planRatio).toBeCloseTo(
    planRatio / 2,
    12,
  );
});

describe('qloraMemoryLines', () => {
  const result: QloraMemoryResult = {
    run: { ...recorded, peakRssBytes: 2.8e9, wallSeconds: 221.58 },
    plannedBytes: 2.94e9,
    planRatio: 1.05,
    stepTokensPerSecond: 5.12,
    loadAverage: [1, 1, 1],
    busyCores: 0,
  };

  test('peak and plan in GB and GiB, their ratio, the wall time, the rate and the command', () => {
    const lines = qloraMemoryLines(result);
    expect(lines[0]).toBe('peak RSS 2.80 GB (2.61 GiB); planner 2.94 GB (2.74 GiB), plan ÷ measured 1.050×');
    expect(lines[1]).toBe(
      'wall 222 s for load, quantize and one step; step 5.1 tokens/s (train_runtime, its checkpoint save included)',
    );
    expect(lines[2]).toBe(`command: ${recorded.command}`);
    expect(qloraMemoryLines({ ...result, stepTokensPerSecond: null })[1]).toContain('step — tokens/s');
  });

  test('a skipped or failed row is one line with its reason', () => {
    expect(qloraMemoryLines({ skipped: 'no fixture' })).toEqual(['skipped: no fixture']);
    expect(qloraMemoryLines({ error: 'lora train: exit 1' })).toEqual(['failed: lora train: exit 1']);
  });
});
