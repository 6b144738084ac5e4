import { describe, expect, test } from 'vitest';
import { QWEN25_15B_CONFIG } from './bench-models.js';
import { decodeCase } from './decode-cases.js';
import { bestTorch, type DecodeShapeResult, decodeTable, shapeLabel } from './decode-table.js';
import { SMALL_MODEL_OVERRIDES } from './lora-step.js';

const measurement = (engine: string, tokensPerSecond: number, buildSeconds: number) => ({
  engine,
  tokensPerSecond,
  runs: [tokensPerSecond],
  buildSeconds,
});

const small: DecodeShapeResult = {
  case: decodeCase('small', true, 8, SMALL_MODEL_OVERRIDES),
  configSource: 'inlined',
  lora: {
    dense: measurement('@lora f32', 200, 0.1),
    nf4: measurement('@lora NF4', 100, 0.3),
    peakRssMiB: 150.4,
  },
  torch: [
    { threads: 1, tokensPerSecond: 400, peakRssMiB: 300 },
    { threads: 2, tokensPerSecond: 250, peakRssMiB: 310 },
  ],
  torchBestThreads: 1,
};

const large: DecodeShapeResult = {
  case: decodeCase('qwen2.5-1.5b', true, 8, QWEN25_15B_CONFIG),
  configSource: 'inlined',
  lora: { error: '@lora/models decode: exited with 137' },
  torch: [{ error: 'PyTorch ×1: killed' }, { threads: 2, tokensPerSecond: 3, peakRssMiB: 3000 }],
  torchBestThreads: 2,
};

test('bestTorch is the fastest run that succeeded; none without one', () => {
  expect(bestTorch(small.torch)?.threads).toBe(1);
  expect(bestTorch(large.torch)?.threads).toBe(2);
  expect(bestTorch([{ error: 'x' }])).toBeUndefined();
});

test('shapeLabel names the layers run of the shape’s total', () => {
  expect(shapeLabel(large.case)).toBe('qwen2.5-1.5b, 8 of 28 layers');
});

describe('decodeTable', () => {
  const lines = decodeTable([small, large]).split('\n');
  const cells = (i: number) => lines[i]!.split(/\s{2,}/);

  test('one row group per shape under its label, ratios within the shape, the @lora child’s peak RSS', () => {
    expect(cells(0)).toEqual([
      'shape / engine',
      'tokens/s',
      '÷ @lora dense',
      '÷ PyTorch best',
      'build s',
      'peak RSS MiB',
    ]);
    expect(lines[2]).toBe('small, 4 of 4 layers');
    expect(cells(3)).toEqual(['', '@lora f32', '200.00', '1.00×', '0.50×', '0.1', '150']);
    expect(cells(4)).toEqual(['', '@lora NF4', '100.00', '0.50×', '0.25×', '0.3', '150']);
    expect(cells(5)).toEqual(['', 'PyTorch dense, 1 thread (best)', '400.00', '2.00×', '1.00×', '300']);
    expect(cells(6)).toEqual(['', 'PyTorch dense, 2 threads', '250.00', '1.25×', '0.63×', '310']);
  });

  test('a failed engine keeps its row with — and points at its error; the other ratios go on', () => {
    expect(lines[7]).toBe('qwen2.5-1.5b, 8 of 28 layers');
    expect(cells(8)).toEqual(['', '@lora/models: failed (its error is above)', '—', '—', '—']);
    expect(cells(9)).toEqual(['', 'PyTorch dense: failed (its error is above)', '—', '—', '—']);
    expect(cells(10)).toEqual(['', 'PyTorch dense, 2 threads (best)', '3.00', '—', '1.00×', '3000']);
    expect(lines).toHaveLength(11);
  });
});
