import { parseModelConfig } from '@lora/models';
import { describe, expect, test } from 'vitest';
import { LLAMA_BENCH_CONFIG } from './bench-models.js';
import {
  type LoraStepCase,
  loraStepCases,
  loraStepTable,
  type StepOutcome,
  type StepRun,
  summarizeStepCase,
} from './lora-step-bench.js';

const c: Pick<LoraStepCase, 'name' | 'label' | 'tokens'> = {
  name: 'small',
  label: 'small case',
  tokens: 256,
};
const run = (engine: string, threads: number, tokensPerSecond: number): StepRun => ({
  engine,
  threads,
  tokensPerSecond,
  stepMs: (256 / tokensPerSecond) * 1000,
  medianMs: null,
  cpuMs: 100,
  peakRssMiB: 300,
});
const failed = (engine: string, threads: number): StepOutcome => ({
  engine,
  threads,
  error: `${engine} ×${threads}: exited with 1`,
});

describe('loraStepCases', () => {
  test.each([false, true])("quick %s: the issue's two cases, as config and tokens", (quick) => {
    const [small, qwen] = loraStepCases(quick);
    const shape = (x: LoraStepCase) => {
      const m = parseModelConfig({ ...LLAMA_BENCH_CONFIG, ...x.overrides });
      return [m.numLayers, m.hiddenSize, m.intermediateSize, m.vocabSize, m.tieWordEmbeddings, x.tokens];
    };
    expect(shape(small!)).toEqual([4, 512, 1408, 2000, false, 256]);
    expect(shape(qwen!)).toEqual([8, 896, 4864, 151936, true, 512]);
    expect(qwen!.loraThreads).toContain(2);
    expect(qwen!.reps).toBe(quick ? 2 : 3);
  });
});

describe('summarizeStepCase', () => {
  test("each engine's fastest thread count is its best; the ratio is ours ÷ PyTorch best", () => {
    const r = summarizeStepCase(
      c,
      [run('@lora', 1, 600), run('@lora', 2, 580)],
      [run('PyTorch', 1, 1200), run('PyTorch', 2, 160)],
    );
    expect([r.loraBest?.threads, r.torchBest?.threads]).toEqual([1, 1]);
    expect(r.ratio).toBeCloseTo(0.5, 12);
  });

  test('a failed run is left out of the best; with no PyTorch run there is no ratio', () => {
    const r = summarizeStepCase(
      c,
      [failed('@lora', 1), run('@lora', 2, 580)],
      [failed('PyTorch', 1), run('PyTorch', 2, 290)],
    );
    expect([r.loraBest?.threads, r.torchBest?.threads, r.ratio]).toEqual([2, 2, 2]);
    const none = summarizeStepCase(c, [run('@lora', 2, 580)], [failed('PyTorch', 1), failed('PyTorch', 2)]);
    expect([none.torchBest, none.ratio]).toEqual([null, null]);
  });
});

test("the table marks each engine's best, divides every run by PyTorch best, and dashes a failed run", () => {
  const r = summarizeStepCase(c, [run('@lora', 2, 580)], [run('PyTorch', 1, 1160), failed('PyTorch', 2)]);
  const lines = loraStepTable([r]).split('\n');
  expect(lines[0]).toMatch(/^case \/ engine +tokens\/s +step ms +CPU ms +÷ PyTorch best +peak RSS MiB$/);
  expect(lines[2]).toBe('small case');
  expect(lines[3]).toMatch(/^ {2}@lora, 2 threads \(best\) +580\.0 +441 +100 +0\.50× +300$/);
  expect(lines[4]).toMatch(/^ {2}PyTorch, 1 thread \(best\) +1160\.0 +221 +100 +1\.00× +300$/);
  expect(lines[5]).toMatch(/^ {2}PyTorch, 2 threads +— +— +— +— +—$/);
});
