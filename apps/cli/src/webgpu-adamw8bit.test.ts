// @lora/sft's 8-bit AdamW on the webgpu backend (a real GPU, or SwiftShader in Node; here, where both packages are
// dependencies): a group ends where its last tensor does, so a tensor within the memory's largest array fits it even
// where padding it to whole blocks of 256 would not, and its codes may be a number of bytes that is not a whole
// number of the 4-byte words a GPU buffer is written in — a step, a save and a load must still resume bit for bit
// and match the reference backend.
import { registerWebgpuBackend, webgpuDevice } from '@lora/backend-webgpu';
import {
  deviceMemory,
  disposeBackends,
  type Parameter,
  REFERENCE_BACKEND,
  setBackend,
  toHost,
} from '@lora/core';
import { AdamW8bit } from '@lora/sft';
import { expectClose, useSoftwareVulkan } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';

/** 4,101 elements: 16.02 blocks of 256, and 4,101 codes, one more than a whole number of words */
const N = 4101;
const LIMIT = 4 * N + 4 * 3; // 16,416 B: a multiple of 16 (webgpu buffers are), under the 4,352 elements padding makes

useSoftwareVulkan();
await registerWebgpuBackend({ maxArrayBytes: LIMIT });
const skip = webgpuDevice()
  ? undefined
  : 'no WebGPU adapter (install chromium and libvulkan1 for SwiftShader)';
afterAll(async () => {
  await disposeBackends();
});

/** The tensor with `values` (seeded ones by default) and a fixed gradient. */
function params(values: Float32Array = Float32Array.from({ length: N }, (_, i) => Math.sin(i))): Parameter[] {
  const memory = deviceMemory();
  const grads = Float32Array.from({ length: N }, (_, i) => 0.01 * Math.cos(3 * i));
  return [
    {
      name: 'w',
      shape: [N],
      data: memory.upload(values),
      grad: memory.upload(grads),
      trainable: true,
      decay: true,
    },
  ];
}

/**
 * Two steps and a save; then a third step, and the same third step by a fresh optimizer that loaded the save: the
 * values after each, and the state as saved and as loaded (saved again).
 */
async function run() {
  const p = params();
  const opt = new AdamW8bit(p);
  opt.step(1e-2);
  opt.step(1e-2);
  const saved = await opt.saveState();
  const q = params(await toHost(p[0]!.data)); // the checkpoint's values
  opt.step(1e-2);
  const resumed = new AdamW8bit(q);
  const tensors = new Map(
    Object.entries(saved.tensors).map(([k, t]) => [k, t.data as Float32Array | Uint8Array]),
  );
  resumed.loadState(2, tensors, 'optimizer.safetensors', saved.metadata);
  const loaded = await resumed.saveState();
  resumed.step(1e-2);
  const arrays = (file: typeof saved) =>
    Object.fromEntries(
      Object.entries(file.tensors).map(([k, t]) => [k, Array.from(t.data as ArrayLike<number>)]),
    );
  return {
    stepped: Array.from(await toHost(p[0]!.data)),
    resumed: Array.from(await toHost(q[0]!.data)),
    saved: arrays(saved),
    loaded: arrays(loaded),
  };
}

describe.skipIf(skip !== undefined)(`AdamW8bit on webgpu with a ${LIMIT} B largest array`, () => {
  test('a tensor of 4,101 elements fits, and resumes bit for bit from its saved state, as on the reference', async () => {
    await setBackend('webgpu');
    const gpu = await run();
    await setBackend(REFERENCE_BACKEND);
    const ref = await run();
    expect(gpu.saved['w.state1']).toHaveLength(N);
    expect(gpu.loaded).toEqual(gpu.saved); // every code and absmax written back exactly
    expect(gpu.resumed).toEqual(gpu.stepped);
    expect(ref.resumed).toEqual(ref.stepped);
    // the kernel's float32 arithmetic may round differently from the reference's: a code at most one step apart
    for (const [key, values] of Object.entries(ref.saved)) {
      const other = gpu.saved[key]!;
      const worst = Math.max(...values.map((v, i) => Math.abs(v - other[i]!)));
      expect(worst, key).toBeLessThanOrEqual(
        key.startsWith('w.absmax') ? 1e-6 : key.startsWith('w.') ? 1 : 0,
      );
    }
    expectClose(gpu.stepped, ref.stepped, { rtol: 1e-5, atol: 1e-6 }, 'values after 3 steps');
  });
});
