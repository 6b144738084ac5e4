// Qwen2's sliding window (use_sliding_window, max_window_layers): the golden case qwen2-sliding-float32 slides on
// layer 1 only; its logits are golden.test's. Here: the window and the layer rule each move the logits away from the
// ones PyTorch computes, so the golden case holds them both.
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { CausalLM } from '../../causal-lm.js';
import type { ModelConfig } from '../../config.js';
import { GOLDEN_BATCH, GOLDEN_CASES, loadGolden } from '../../golden-cases.test-support.js';
import { tinyCheckpointTensors } from '../../tiny-checkpoint.js';

describe("Qwen2's sliding window against PyTorch's logits (golden.json)", () => {
  const golden = loadGolden();
  const c = GOLDEN_CASES.find((x) => x.name === 'qwen2-sliding-float32')!;
  const { tensors, modelConfig } = tinyCheckpointTensors('qwen2', {
    seed: c.seed,
    dtype: c.dtype,
    overrides: c.overrides,
  });
  const weights = (name: string) => (tensors[name] as { data: Float32Array }).data;
  const { batch: B, seqLen: T } = GOLDEN_BATCH;
  const ids = Int32Array.from(GOLDEN_BATCH.inputIds);
  const mask = Uint8Array.from(GOLDEN_BATCH.attentionMask);
  const V = modelConfig.vocabSize;
  const real = (x: Float32Array) =>
    Array.from({ length: B * T }, (_, i) => i)
      .filter((i) => mask[i] === 1)
      .flatMap((i) => Array.from(x.subarray(i * V, (i + 1) * V)));
  const bytes = Buffer.from(golden.cases.find((x) => x.name === c.name)!.logits_f32_b64, 'base64');
  const expected = real(
    new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
  );
  const logits = async (config: ModelConfig) =>
    real(await CausalLM.fromWeights(config, weights).logits(ids, B, T, mask));

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
