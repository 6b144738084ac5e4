// Qwen2's sliding window (use_sliding_window, max_window_layers): the golden case qwen2-sliding-float32 slides on
// layer 1 only; its logits are golden.test's. Here: the window and the layer rule each move the logits away from the
// ones PyTorch computes, so the golden case holds them both.
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { goldenLogits } from '../../golden-cases.test-support.js';

describe("Qwen2's sliding window against PyTorch's logits (golden.json)", () => {
  const { modelConfig, expected, logits } = goldenLogits('qwen2-sliding-float32');

  test('the case: a window of 3 < 7 tokens on layer 1 (max_window_layers 1), layer 0 in full', async () => {
    expect(modelConfig).toMatchObject({ slidingWindow: 3, slidingLayers: [false, true] });
    expectClose(await logits(modelConfig), expected, { rtol: 1e-4, atol: 1e-5 }, 'qwen2 sliding');
  });

  test.each([
    { label: 'no sliding window', change: { slidingWindow: undefined } },
    { label: 'the window on every layer', change: { slidingLayers: [true, true] } },
    { label: 'the window on layer 0 instead', change: { slidingLayers: [true, false] } },
  ])('$label: off by more than 1e-2', async ({ change }) => {
    const got = await logits({ ...modelConfig, ...change });
    expect(got.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0)).toBeGreaterThan(1e-2);
  });
});
