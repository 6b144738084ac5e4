// The four architectures against PyTorch (fixtures/golden.py implements them from transformers' definitions):
// logits, summed loss, argmax hits and weight gradients of a left- and right-padded batch, f32 and bf16 checkpoints —
// on the reference kernels, on the WebAssembly backend (SIMD GEMM with FMA, SIMD elementwise kernels, 2 threads) and on
// the webgpu backend (every kernel in WGSL, the model's arrays in GPU memory) where an adapter opens,
// each with the model in its backend's memory (deviceMemory(): the JS heap for both, until backend-wasm offers a
// wasm-resident DeviceMemory).
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerWasmBackend } from '@lora/backend-wasm';
import { registerWebgpuBackend, webgpuDevice } from '@lora/backend-webgpu';
import { deviceMemory, disposeBackends, getBackend, REFERENCE_BACKEND, setBackend, toHost } from '@lora/core';
import { expectClose, useSoftwareVulkan } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tensorSpecs } from './architectures/index.js';
import { CausalLM } from './causal-lm.js';
import { f32FromBase64, GOLDEN_BATCH, GOLDEN_CASES, loadGolden } from './golden-cases.test-support.js';
import { writeTinyCheckpoint } from './tiny-checkpoint.js';
import { linearShape, transpose2d } from './weights.js';

const golden = loadGolden();
const { batch: B, seqLen: T } = GOLDEN_BATCH;
const mask = Uint8Array.from(GOLDEN_BATCH.attentionMask);
const batch = {
  inputIds: Int32Array.from(GOLDEN_BATCH.inputIds),
  labels: Int32Array.from(GOLDEN_BATCH.labels),
  attentionMask: mask,
  batch: B,
  seqLen: T,
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lora-models-golden-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

test('golden.json was computed from these cases and this batch', () => {
  expect(golden.batch).toEqual(GOLDEN_BATCH);
  expect(golden.cases.map((c) => c.name)).toEqual(GOLDEN_CASES.map((c) => c.name));
});

// webgpu runs where an adapter opens: a real GPU, or SwiftShader (software Vulkan) from Debian's chromium package
useSoftwareVulkan();
await registerWebgpuBackend();
const webgpu = webgpuDevice();
const BACKENDS = [
  { backend: REFERENCE_BACKEND, skip: undefined },
  { backend: 'wasm', skip: undefined },
  {
    backend: 'webgpu',
    skip: webgpu ? undefined : 'no WebGPU adapter (install chromium and libvulkan1 for SwiftShader)',
  },
] as const;

describe.each(BACKENDS)('on the $backend backend', ({ backend, skip }) => {
  if (skip) {
    test.skip(`skipped: ${skip}`, () => {});
    return;
  }
  beforeAll(async () => {
    if (backend === 'wasm') await registerWasmBackend({ threads: 2 });
    await setBackend(backend);
    expect(getBackend()).toBe(backend);
  });
  afterAll(async () => {
    await disposeBackends();
  });

  describe.each(GOLDEN_CASES)(`$name against PyTorch ${golden.torch}`, (c) => {
    const g = golden.cases.find((x) => x.name === c.name)!;
    let model: CausalLM;

    beforeAll(async () => {
      const dir = join(root, c.name);
      await writeTinyCheckpoint(dir, c.architecture, {
        dtype: c.dtype,
        seed: c.seed,
        overrides: c.overrides,
      });
      const sha = createHash('sha256')
        .update(await readFile(join(dir, 'model.safetensors')))
        .digest('hex');
      expect(sha, 'the tiny checkpoint is byte-identical to the one golden.py read').toBe(g.sha256);
      model = await CausalLM.load(dir, { vocabChunk: 48 }); // 128 = 48 + 48 + 32: the chunked loss crosses chunk edges
      await model.useMemory(deviceMemory()); // the active backend's memory, as the CLI does
    });

    test('logits at every real position within 1e-4 relative', async () => {
      const V = model.config.vocabSize;
      const logits = await model.logits(batch.inputIds, B, T, mask);
      const expected = f32FromBase64(g.logits_f32_b64);
      for (let i = 0; i < B * T; i++) {
        if (!mask[i]) continue;
        expectClose(
          logits.subarray(i * V, (i + 1) * V),
          expected.subarray(i * V, (i + 1) * V),
          { rtol: 1e-4, atol: 1e-5 },
          `logits row ${i}`,
        );
      }
    });

    test('summed loss, label tokens, argmax hits and gradients within 1e-3', async () => {
      model.setTrainable((name) => c.grads.includes(name));
      const r = await model.step(batch, { training: false, backward: true });
      expect(r.tokens).toBe(g.tokens);
      expect(r.correct).toBe(g.correct);
      expectClose([r.lossSum], [g.loss_sum], { rtol: 1e-5 }, 'lossSum');
      const params = new Map(model.parameters().map((p) => [p.name, p]));
      const specs = new Map(tensorSpecs(model.config).map((s) => [s.name, s]));
      for (const name of c.grads) {
        const spec = specs.get(name)!;
        let grad = await toHost(params.get(name)!.grad!);
        if (spec.conv1d) grad = transpose2d(grad, ...linearShape(spec)); // our (out, in) → Conv1D's [in, out]
        expectClose(grad, f32FromBase64(g.grads_f32_b64[name]!), { rtol: 1e-3, atol: 1e-6 }, `grad ${name}`);
      }
    });
  });
});
