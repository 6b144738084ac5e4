// Packed rows (position ids restarting at 0 per example, as transformers' DataCollatorWithFlattening makes): a block
// [e1, e2] must give exactly what e1 and e2 give as separate sequences — logits, loss and every gradient — on every
// architecture, and its gradients must match central finite differences in float64.
import type { TokenBatch } from '@lora/core';
import { gradcheck } from '@lora/core';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import type { CausalLM } from './causal-lm.js';
import { ModelInputError } from './errors.js';
import { ARCHS, asF64, host, microModel, stepStats64 } from './test-support.test-support.js';

const I = -100;
const e1 = { ids: [3, 7, 1, 9], labels: [I, 7, 1, 9] };
const e2 = { ids: [2, 5, 8], labels: [I, 5, 8] };
const e3 = { ids: [4, 6, 10, 1, 2], labels: [I, I, 10, 1, 2] };

const single = (e: { ids: number[]; labels: number[] }): TokenBatch => ({
  inputIds: Int32Array.from(e.ids),
  labels: Int32Array.from(e.labels),
  batch: 1,
  seqLen: e.ids.length,
});

/** Row 0 packs [e1, e2], right-padded by 2; row 1 packs [e3, e2], left-padded by 1; T = 9. */
const packed: TokenBatch = {
  inputIds: Int32Array.from([...[3, 7, 1, 9, 2, 5, 8, 0, 0], ...[0, 4, 6, 10, 1, 2, 2, 5, 8]]),
  labels: Int32Array.from([...[I, 7, 1, 9, I, 5, 8, 4, 4], ...[4, I, I, 10, 1, 2, I, 5, 8]]),
  attentionMask: Uint8Array.from([...[1, 1, 1, 1, 1, 1, 1, 0, 0], ...[0, 1, 1, 1, 1, 1, 1, 1, 1]]),
  positionIds: Int32Array.from([...[0, 1, 2, 3, 0, 1, 2, 0, 0], ...[0, 0, 1, 2, 3, 4, 0, 1, 2]]),
  batch: 2,
  seqLen: 9,
};

function gradsOf(model: CausalLM): Map<string, Float64Array> {
  return new Map(model.parameters().map((p) => [p.name, Float64Array.from(host(p.grad!))]));
}

/** A step from zeroed gradients, its totals kept in float64 (stepInto: step() reads them back as float32). */
function run(model: CausalLM, batch: TokenBatch) {
  for (const p of model.parameters()) if (p.grad) host(p.grad).fill(0);
  const [lossSum, tokens, correct] = stepStats64(model, batch, { training: false, backward: true });
  return { lossSum: lossSum!, tokens: tokens!, correct: correct!, grads: gradsOf(model) };
}

describe.each(ARCHS)('%s: packed rows', (arch) => {
  test('logits of every real token equal those of its example run alone', async () => {
    const model = microModel(arch, 3, 'f32');
    const V = model.config.vocabSize;
    const { inputIds, batch, seqLen, attentionMask, positionIds } = packed;
    const logits = await model.logits(inputIds, batch, seqLen, attentionMask, positionIds); // (B, T, V)
    const alone = (e: { ids: number[] }) => model.logits(Int32Array.from(e.ids), 1, e.ids.length);
    for (const [label, e, row] of [
      ['e1 in row 0', e1, 0],
      ['e2 in row 0', e2, 4],
      ['e3 in row 1', e3, 10],
      ['e2 in row 1', e2, 15],
    ] as const) {
      const got = logits.subarray(row * V, (row + e.ids.length) * V);
      expectClose(got, await alone(e), { rtol: 1e-5, atol: 1e-5 }, label); // float32: only the summation order differs
    }
    // without position ids the same tokens see each other: the second example's logits change
    const contiguous = await model.logits(inputIds, batch, seqLen, attentionMask);
    expect(Array.from(contiguous.subarray(4 * V, 7 * V))).not.toEqual(
      Array.from(logits.subarray(4 * V, 7 * V)),
    );
  });

  test('loss, token counts and every gradient equal the sum over the examples run separately', () => {
    const model = microModel(arch);
    model.setTrainable(() => true);
    const whole = run(model, packed);
    const parts = [e1, e2, e3, e2].map((e) => run(model, single(e)));
    const tokens = parts.reduce((s, p) => s + p.tokens, 0);
    expect(whole.tokens).toBe(tokens); // 3 + 2 + 3 + 2: no label across an example boundary
    expect(tokens).toBe(10);
    expectClose([whole.lossSum], [parts.reduce((s, p) => s + p.lossSum, 0)], { rtol: 1e-12 }, 'lossSum');
    for (const [name, g] of whole.grads) {
      const sum = new Float64Array(g.length);
      for (const p of parts) {
        const pg = p.grads.get(name)!;
        for (let i = 0; i < pg.length; i++) sum[i]! += pg[i]!;
      }
      expectClose(g, sum, { rtol: 1e-9, atol: 1e-12 }, name);
    }
  });

  test('a label at an example start counts nowhere, whatever its value', async () => {
    const model = microModel(arch);
    const labels = packed.labels.slice();
    labels[4] = 2; // e2's first token in row 0
    labels[15] = 3; // e2's first token in row 1
    const a = await model.step(packed, { training: false, backward: false });
    const b = await model.step({ ...packed, labels }, { training: false, backward: false });
    expect(b).toEqual(a);
  });

  test('position ids that neither continue nor restart are refused, naming the row and column', async () => {
    const model = microModel(arch, 3, 'f32');
    const positionIds = packed.positionIds!.slice();
    positionIds[12] = 4; // row 1, column 3: e3's third token
    const step = () => model.step({ ...packed, positionIds }, { training: false, backward: false });
    await expect(step()).rejects.toThrow(ModelInputError);
    await expect(step()).rejects.toThrow(
      'step: positionIds[12] (row 1, column 3) expected 2 (continuing) or 0 (a new packed example), got 4',
    );
  });
});

// RoPE (llama; qwen2 and gemma share its attention) and learned positions (gpt2)
describe.each(['llama', 'gpt2'] as const)('%s: packed rows, float64', (arch) => {
  test('every parameter gradient matches finite differences in float64 (packed, padded, checkpointed)', async () => {
    const model = microModel(arch);
    model.setTrainable(() => true);
    const lossScale = 0.25;
    await model.step(packed, { training: true, backward: true, lossScale, gradientCheckpointing: true });
    const loss = () => lossScale * stepStats64(model, packed, { training: false, backward: false })[0]!;
    gradcheck(
      loss,
      model.parameters().map((p) => ({ name: p.name, value: asF64(p.data), grad: host(p.grad!) })),
      { rtol: 1e-5, atol: 1e-8 },
    );
  });
});
