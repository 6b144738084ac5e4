import { spawnSync } from 'node:child_process';
import { toHost } from '@lora/core';
import { describe, expect, test } from 'vitest';
import {
  LORA_STEP_RANK,
  loraStepModel,
  loraStepRunner,
  parseTorchLoraStep,
  SMALL_LLAMA_OVERRIDES,
  TORCH_LORA_STEP_SCRIPT,
  torchLoraStep,
  torchLoraStepArgs,
} from './lora-step.js';

const PYTHON = process.env.LORA_BENCH_PYTHON ?? '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

/** A Llama small enough to step in milliseconds: 2 layers, hidden 64, vocab 50. */
const TINY = {
  ...SMALL_LLAMA_OVERRIDES,
  vocab_size: 50,
  hidden_size: 64,
  intermediate_size: 96,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 16,
};

const line = (o: Record<string, unknown>) => `a warning\n${JSON.stringify(o)}\n`;
const run = {
  torch: '1.13.0',
  threads: 1,
  stepMs: 200,
  stepCpuMs: 190,
  stepTokensPerSecond: 1280,
  peakRssMiB: 400,
};

describe('parseTorchLoraStep', () => {
  test('reads the step figures, and the forward ones only where they were timed', () => {
    expect(parseTorchLoraStep('PyTorch ×1', line(run))).toEqual(run);
    const forward = { forwardMs: 80, forwardCpuMs: 79, forwardTokensPerSecond: 3200 };
    expect(parseTorchLoraStep('PyTorch ×1', line({ ...run, ...forward }))).toEqual({ ...run, ...forward });
  });

  test.each([
    [{ ...run, stepMs: null }, 'PyTorch ×2: "stepMs" expected a finite number, got null'],
    [{ ...run, peakRssMiB: undefined }, 'PyTorch ×2: "peakRssMiB" expected a finite number, got undefined'],
    [{ ...run, forwardMs: 5 }, 'PyTorch ×2: "forwardCpuMs" expected a finite number, got undefined'],
  ])('a missing or wrong key is named: %j', (o, message) => {
    expect(() => parseTorchLoraStep('PyTorch ×2', line(o))).toThrow(message);
  });

  test('a last line that is not JSON is quoted', () => {
    expect(() => parseTorchLoraStep('PyTorch ×1', 'Traceback ...\nKilled')).toThrow(
      'PyTorch ×1: expected a JSON line on stdout, got "Killed"',
    );
  });
});

test('the script gets the shapes, rank, threads and reps it reads, and --step-only and the device when asked', () => {
  const o = { overrides: TINY, tokens: 16, threads: 2, reps: 3 };
  const args = torchLoraStepArgs(o);
  expect(args[0]).toBe(TORCH_LORA_STEP_SCRIPT);
  expect(args.slice(1, 9)).toEqual([
    '--tokens',
    '16',
    '--rank',
    String(LORA_STEP_RANK),
    '--threads',
    '2',
    '--reps',
    '3',
  ]);
  expect(JSON.parse(args[10]!)).toEqual(TINY);
  expect(args).not.toContain('--step-only');
  expect(torchLoraStepArgs({ ...o, stepOnly: true }).at(-1)).toBe('--step-only');
  expect(args).not.toContain('--device');
  expect(torchLoraStepArgs({ ...o, device: 'cuda' }).slice(-2)).toEqual(['--device', 'cuda']);
});

test('a training step of the LoRA model fills only the LoRA gradients, and zeroGrads clears them', async () => {
  const model = await loraStepModel(TINY);
  const { trainable, zeroGrads, train } = loraStepRunner(model, 16);
  expect(trainable.length).toBe(2 * 7 * 2); // A and B on q, k, v, o, gate, up, down of 2 layers
  expect(trainable.every((p) => /lora_[AB]/.test(p.name))).toBe(true);
  const { lossSum, tokens } = await train();
  expect([Number.isFinite(lossSum), tokens]).toEqual([true, 15]);
  const norm = async () => {
    let sum = 0;
    for (const p of trainable) for (const g of p.grad ? await toHost(p.grad) : []) sum += g * g;
    return sum;
  };
  expect(await norm()).toBeGreaterThan(0);
  zeroGrads();
  expect(await norm()).toBe(0);
});

describe.runIf(hasTorch)('PyTorch step (python3 with torch here)', () => {
  test('runs on the threads asked, step only, and reports its peak RSS', () => {
    const out = torchLoraStep({
      overrides: TINY,
      tokens: 16,
      threads: 1,
      reps: 1,
      stepOnly: true,
      python: PYTHON,
    });
    if ('error' in out) throw new Error(out.error);
    expect(out.threads).toBe(1);
    expect(out.forwardMs).toBeUndefined();
    expect(out.stepTokensPerSecond).toBeCloseTo(16 / (out.stepMs / 1000), 6);
    expect(out.peakRssMiB).toBeGreaterThan(10);
  });
});

test('a missing interpreter is an error naming it, not a throw', () => {
  const out = torchLoraStep({
    overrides: TINY,
    tokens: 16,
    threads: 1,
    reps: 1,
    python: '/nonexistent/python3',
  });
  expect(out).toEqual({ error: 'PyTorch ×1 (/nonexistent/python3): /nonexistent/python3 not found' });
});
