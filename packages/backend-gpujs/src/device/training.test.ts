// A few QLoRA training steps of the tiny model on the device path (emulated in Node) against the reference: the same
// losses, and one read per optimizer step. The same check runs on WebGL2 and WebGPU in browser.test.ts.
import { deviceMemory, setBackend } from '@lora/core';
import { expectClose } from '@lora/testing';
import { afterAll, expect, test } from 'vitest';
import { TinyModel } from '../test-support/tiny-step.js';
import { GPUJS_EMULATED_BACKEND, registerGpujsEmulatedBackend } from './device-backend.js';

afterAll(() => setBackend('reference'));

async function losses(backend: string, steps: number): Promise<{ losses: number[]; readbacks: number }> {
  await setBackend(backend);
  const model = new TinyModel();
  const before = deviceMemory().counters().readbacks;
  const out: number[] = [];
  for (let s = 0; s < steps; s++) out.push((await model.trainStep()).loss);
  const readbacks = deviceMemory().counters().readbacks - before;
  model.free();
  return { losses: out, readbacks };
}

test('the tiny QLoRA model trains on the device path as on the reference, reading back once per step', async () => {
  registerGpujsEmulatedBackend();
  const reference = await losses('reference', 3);
  const device = await losses(GPUJS_EMULATED_BACKEND, 3);
  expectClose(
    Float64Array.from(device.losses),
    Float64Array.from(reference.losses),
    { rtol: 1e-5, atol: 0 },
    'losses',
  );
  expect(device.losses[2]).toBeLessThan(device.losses[0]!);
  expect(device.readbacks).toBe(3);
});
