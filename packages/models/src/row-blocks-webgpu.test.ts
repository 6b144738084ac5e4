// The tables split into row blocks on the webgpu backend (a real GPU, or SwiftShader in Node), its memory capped at
// 1,200 B (registerWebgpuBackend's maxArrayBytes), against the unsplit model on the reference backend.
import { registerWebgpuBackend, webgpuDevice } from '@lora/backend-webgpu';
import { deviceMemory, disposeBackends, REFERENCE_BACKEND, setBackend, toHost } from '@lora/core';
import { expectClose, useSoftwareVulkan } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import type { CausalLM } from './causal-lm.js';
import { ARCHS, microModel } from './test-support.test-support.js';

useSoftwareVulkan();
await registerWebgpuBackend({ maxArrayBytes: 1200 });
const skip = webgpuDevice()
  ? undefined
  : 'no WebGPU adapter (install chromium and libvulkan1 for SwiftShader)';
afterAll(async () => {
  await disposeBackends();
});

const batch = {
  inputIds: Int32Array.from([3, 97, 45, 28, 0, 0, 0, 72, 99, 24, 57, 96]),
  labels: Int32Array.from([-100, 97, 45, 28, -100, -100, -100, -100, 99, 24, 57, 96]),
  attentionMask: Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1]),
  batch: 2,
  seqLen: 6,
};

async function gradients(model: CausalLM): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const p of model.parameters())
    out.set(p.name, [...(out.get(p.name) ?? []), ...(await toHost(p.grad!))]);
  return out;
}

describe.skipIf(skip !== undefined)('webgpu with a 1,200 B largest array: vocabulary 100, hidden 8', () => {
  test.each(ARCHS)(
    '%s: losses, gradients, logits and next-token logits of the unsplit model',
    async (arch) => {
      const make = () => {
        const model = microModel(arch, 1, 'f32', { vocab_size: 100 });
        model.vocabChunk = 4;
        model.setTrainable(() => true);
        return model;
      };
      const prompt = batch.inputIds.subarray(0, 6);
      await setBackend(REFERENCE_BACKEND);
      const whole = make();
      const scoring = { training: false, backward: false };
      const training = { training: true, backward: true };
      const expected = {
        scoring: await whole.step(batch, scoring),
        training: await whole.step(batch, training),
        grads: await gradients(whole),
        next: await whole.forwardIncremental(prompt, 2, 3, whole.createKvCache(2, 8)),
        logits: await whole.logits(batch.inputIds, batch.batch, batch.seqLen, batch.attentionMask),
      };
      await setBackend('webgpu');
      const split = make();
      await split.useMemory(deviceMemory());
      expect(split.parameters().some((p) => p.rowBlock)).toBe(true);
      for (const [name, expect_] of Object.entries({ scoring, training })) {
        const r = await split.step(batch, expect_);
        const e = expected[name as 'scoring' | 'training'];
        expect([r.tokens, r.correct], name).toEqual([e.tokens, e.correct]);
        expectClose([r.lossSum], [e.lossSum], { rtol: 1e-5 }, `${name} loss`);
      }
      for (const [name, grad] of await gradients(split))
        expectClose(grad, expected.grads.get(name)!, { rtol: 1e-3, atol: 1e-5 }, `grad ${name}`);
      const next = await split.forwardIncremental(prompt, 2, 3, split.createKvCache(2, 8));
      expectClose(next, expected.next, { rtol: 1e-4, atol: 1e-5 }, 'next-token logits');
      // every position's logits are above the largest array: made in row chunks within it
      const logits = await split.logits(batch.inputIds, batch.batch, batch.seqLen, batch.attentionMask);
      expect(4 * logits.length).toBeGreaterThan(1200);
      expectClose(logits, expected.logits, { rtol: 1e-4, atol: 1e-5 }, 'logits');
    },
  );
});
