// Adapters written by an independent script (fixtures/peft-tiny/make_fixture.py: PyTorch + struct/json, PEFT's
// formulas and file layout) load here and reproduce the logits, loss, gradients and merged weights it computed.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SafetensorsFile } from '@lora/safetensors';
import { expectClose, hostF32, hostF64 } from '@lora/testing';
import { beforeAll, describe, expect, test } from 'vitest';
import { mergeAndUnload } from './merge.js';
import { adapterStateDict, loadAdapter } from './save-load.js';
import { f64, toF64 } from './toy-linears.test-support.js';
import { crossEntropy, type ToyArch, ToyModel } from './toy-model.test-support.js';

interface Expected {
  x: number[];
  rows: number;
  targets: number[];
  logits: number[];
  loss: number;
  grads: Record<string, number[]>;
  merged: Record<string, { shape: number[]; data: number[] }>;
}

const fixtures = new URL('../fixtures/peft-tiny/', import.meta.url);
const all = JSON.parse(readFileSync(new URL('expected.json', fixtures), 'utf8')) as {
  dims: ToyModel['dims'];
} & Record<ToyArch, Expected>;
const baseWeights = new Map<ToyArch, Map<string, Float32Array>>();

beforeAll(async () => {
  for (const arch of ['llama', 'gpt2'] as const) {
    const file = await SafetensorsFile.open(fileURLToPath(new URL(`${arch}/model.safetensors`, fixtures)));
    const tensors = new Map<string, Float32Array>();
    for (const name of file.tensorNames()) tensors.set(name, await file.readF32(name));
    await file.close();
    baseWeights.set(arch, tensors);
  }
});

/** The toy network with the script's base weights (GPT-2's Conv1D (in, out) weights transposed to (out, in)). */
function baseModel(arch: ToyArch, asF64: boolean): ToyModel {
  const tensors = baseWeights.get(arch)!;
  return new ToyModel(arch, all.dims, (name, out, inF) => {
    let w = tensors.get(`${name}.weight`)!;
    if (arch === 'gpt2' && name !== 'lm_head') {
      const t = new Float32Array(w.length);
      for (let i = 0; i < inF; i++) for (let j = 0; j < out; j++) t[j * inF + i] = w[i * out + j]!;
      w = t;
    }
    const bias = tensors.get(`${name}.bias`);
    return { weight: asF64 ? f64(w) : w, ...(bias ? { bias: asF64 ? f64(bias) : bias } : {}) };
  });
}

async function loaded(arch: ToyArch, asF64: boolean) {
  const model = baseModel(arch, asF64);
  const lm = await loadAdapter(fileURLToPath(new URL(`${arch}/adapter`, fixtures)), model, {
    isTrainable: true,
  });
  if (asF64) {
    for (const p of lm.parameters()) toF64(p);
  }
  return { model, lm };
}

describe.each(['llama', 'gpt2'] as const)('%s adapter written by make_fixture.py', (arch) => {
  const e = all[arch];

  test('float32: logits and loss match PyTorch', async () => {
    const { model } = await loaded(arch, false);
    const logits = hostF32(model.forward(Float32Array.from(e.x), e.rows, { training: false }).logits);
    expectClose(logits, e.logits, { rtol: 1e-5, atol: 1e-5 }, `${arch} logits`);
    expect(crossEntropy(logits, e.targets, all.dims.vocab).loss).toBeCloseTo(e.loss, 5);
  });

  test('float64: logits, loss and every adapter gradient match PyTorch autograd', async () => {
    const { model, lm } = await loaded(arch, true);
    const { logits, tape } = model.forward(f64(e.x), e.rows, { training: false });
    expectClose(hostF64(logits), e.logits, { rtol: 1e-10, atol: 1e-12 }, `${arch} logits`);
    const { loss, dlogits } = crossEntropy(logits, e.targets, all.dims.vocab);
    expect(Math.abs(loss - e.loss)).toBeLessThan(1e-12);
    model.backward(dlogits, e.rows, tape);
    const params = adapterStateDict(lm);
    expect([...params.keys()].sort()).toEqual(Object.keys(e.grads).sort());
    for (const [key, grad] of Object.entries(e.grads))
      expectClose(hostF64(params.get(key)!.grad!), grad, { rtol: 1e-8, atol: 1e-12 }, key);
  });

  test('mergeAndUnload gives the merged weights in the checkpoint layout', async () => {
    const { model, lm } = await loaded(arch, true);
    const before = hostF64(model.forward(f64(e.x), e.rows, { training: false }).logits);
    const { tensors, modules } = await mergeAndUnload(lm);
    expect(modules.every((m) => m.mergedInto === 'dense')).toBe(true);
    for (const [name, want] of Object.entries(e.merged)) {
      const got = tensors.get(name)!;
      expect(got.shape).toEqual(want.shape);
      expectClose(got.data, want.data, { rtol: 1e-6, atol: 1e-7 }, name);
    }
    expectClose(
      hostF64(model.forward(f64(e.x), e.rows, { training: false }).logits),
      before,
      { rtol: 1e-10, atol: 1e-12 },
      'merged model',
    );
  });
});
