// LoRA on device arrays: every layer, merge and save path run on the opaque backend (@lora/core: handles, not typed
// arrays) and give the host run's values bit for bit — the same reference kernels compute both — while reading back
// only through toHost and freeing the temporaries they make.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DeviceMemory,
  type ForwardContext,
  type LinearContainer,
  OPAQUE_BACKEND,
  type OpaqueMemory,
  type Parameter,
  REFERENCE_BACKEND,
  registerOpaqueBackend,
  setBackend,
  toHost,
  uniformStream,
} from '@lora/core';
import { Nf4Linear, quantize4bit } from '@lora/quant-nf4';
import { makeRng } from '@lora/testing';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loraConfig } from './config.js';
import { LoraConfigError } from './errors.js';
import { FrozenLinear } from './frozen-linear.js';
import { LoraLinear } from './lora-linear.js';
import { injectLora, type LoraModel } from './lora-model.js';
import { mergeAndUnload } from './merge.js';
import { loadMlxAdapter, saveMlxAdapter } from './mlx.js';
import { adapterStateDict, loadAdapter, saveAdapter } from './save-load.js';
import { randomWeights, ToyLinear } from './toy-linears.test-support.js';
import { ToyModel } from './toy-model.test-support.js';

const [IN, OUT, T, R] = [12, 10, 5, 3];
let opaque: OpaqueMemory;
let dir: string;

beforeAll(async () => {
  opaque = registerOpaqueBackend();
  dir = await mkdtemp(join(tmpdir(), 'peft-device-'));
});
afterEach(async () => {
  await setBackend(REFERENCE_BACKEND);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `memory.upload` of a copy, or the copy itself on the host. */
const placer = (memory: DeviceMemory | undefined) => (a: Float32Array) =>
  memory ? memory.upload(a.slice()) : a.slice();

/** Moves parameters (and gradients) into `memory`, as CausalLM.useMemory does, and the layers' other arrays. */
async function moveTo(
  memory: DeviceMemory,
  params: Parameter[],
  layers: Iterable<LoraLinear>,
): Promise<void> {
  for (const p of params) {
    p.data = memory.upload(await toHost(p.data));
    if (p.grad) p.grad = memory.upload(await toHost(p.grad));
  }
  for (const layer of layers) layer.useMemory(memory);
}

describe('LoraLinear on device arrays', () => {
  const rng = makeRng(1);
  const [w, b, x, dy] = [
    randomWeights(OUT * IN, rng.next),
    randomWeights(OUT, rng.next),
    randomWeights(T * IN, rng.next, 2),
    randomWeights(T * OUT, rng.next),
  ];

  /** Everything a layer computes, read back: forward (eval, dropout), backward, delta, dense (merge, unmerge: dense). */
  async function everything(
    memory: DeviceMemory | undefined,
    kind: 'dense' | '4-bit',
  ): Promise<Record<string, Float32Array>> {
    const place = placer(memory);
    let base: ToyLinear | Nf4Linear;
    if (kind === 'dense') base = new ToyLinear('q', IN, OUT, place(w), place(b));
    else {
      const weight = quantize4bit(w, [OUT, IN], { blocksize: 32, doubleQuant: true });
      base = new Nf4Linear({ name: 'q', weight, bias: place(b) });
      if (memory) base.useMemory(memory);
    }
    base.bias!.trainable = true;
    base.bias!.grad = place(new Float32Array(OUT));
    const layer = new LoraLinear(base, {
      name: 'q',
      r: R,
      alpha: 6,
      dropout: 0.4,
      init: false,
      rng: uniformStream(9),
    });
    if (memory) await moveTo(memory, [layer.loraA, layer.loraB], [layer]);
    const xs = place(x);
    const out: Record<string, Float32Array> = {};
    out.eval = await toHost(layer.forward(xs, T, { training: false }).out);
    const ctx: ForwardContext = { training: true, rng: uniformStream(11) };
    const { out: y, cache } = layer.forward(xs, T, ctx);
    out.train = await toHost(y);
    const dxAcc = place(new Float32Array(T * IN).fill(0.5));
    out.dx = await toHost(layer.backward(place(dy), cache, dxAcc));
    out.dA = await toHost(layer.loraA.grad!);
    out.dB = await toHost(layer.loraB.grad!);
    out.dbias = await toHost(base.bias!.grad!);
    out.delta = await toHost(layer.deltaWeight());
    out.dense = await toHost(layer.denseWeight().weight);
    if (base instanceof ToyLinear) {
      layer.merge();
      out.mergedWeight = await toHost(base.weight.data);
      out.merged = await toHost(layer.forward(xs, T, { training: false }).out);
      layer.unmerge();
      out.unmerged = await toHost(base.weight.data);
    }
    const first = layer.forward(xs, T, { training: false }).cache;
    layer.forward(place(x), T, { training: false });
    expect(() => layer.backward(place(dy), first)).toThrowError(LoraConfigError);
    return out;
  }

  test.each(['dense', '4-bit'] as const)(
    '%s base: forward, dropout, backward, deltaWeight, denseWeight (merge, unmerge) equal the host run exactly',
    async (kind) => {
      const host = await everything(undefined, kind);
      await setBackend(OPAQUE_BACKEND);
      const dispatches = opaque.counters().dispatches;
      const device = await everything(opaque, kind);
      expect(Object.keys(device)).toEqual(Object.keys(host));
      for (const key of Object.keys(host)) expect(device[key], key).toEqual(host[key]);
      expect(host.train).not.toEqual(host.eval); // dropout ran
      expect(opaque.counters().dispatches).toBeGreaterThan(dispatches);
    },
  );

  test('the temporaries of deltaWeight (merge, unmerge) are freed; useMemory drops the (T, R) buffer', async () => {
    await setBackend(OPAQUE_BACKEND);
    const place = placer(opaque);
    const base = new ToyLinear('q', IN, OUT, place(w), place(b));
    const layer = new LoraLinear(base, { name: 'q', r: R, alpha: 6, init: false, rng: uniformStream(9) });
    await moveTo(opaque, [layer.loraA, layer.loraB], [layer]);
    const live = opaque.live;
    layer.merge();
    layer.unmerge();
    expect(opaque.live).toBe(live);
    layer.forward(place(x), T, { training: false });
    const afterForward = opaque.live; // + x, y and the (T, R) buffer
    layer.useMemory(opaque);
    expect(opaque.live).toBe(afterForward - 1);
  });

  test('DoRA refuses device arrays with a LoraConfigError naming the way out', async () => {
    await setBackend(OPAQUE_BACKEND);
    const place = placer(opaque);
    const base = new ToyLinear('q', IN, OUT, place(w), place(b));
    expect(() => new LoraLinear(base, { name: 'q', r: R, alpha: 6, useDora: true })).toThrowError(
      /DoRA \(use_dora\) expected arrays in host memory \(the wasm or reference backend\), got a device array/,
    );
  });
});

describe('merge and save on device arrays', () => {
  const dims = { layers: 2, hidden: 8, ffn: 32, vocab: 10 };

  /** The toy network's linears (its forward is host-only; these tests never run it) with weights in `memory`. */
  function toy(
    memory: DeviceMemory | undefined,
    quantizeUp: boolean,
  ): { model: ToyModel; dense: Map<string, Float32Array> } {
    const rng = makeRng(1);
    const place = placer(memory);
    const dense = new Map<string, Float32Array>();
    const model = new ToyModel('llama', dims, (name, out, inF, bias) => {
      const weight = randomWeights(out * inF, rng.next, 0.5);
      dense.set(name, weight);
      return { weight: place(weight), ...(bias ? { bias: place(randomWeights(out, rng.next, 0.2)) } : {}) };
    });
    if (quantizeUp) {
      for (const [name, l] of model.linearModules()) {
        if (!name.endsWith('up_proj')) continue;
        const q = new Nf4Linear({
          name,
          weight: quantize4bit(dense.get(name)!, [l.outFeatures, l.inFeatures]),
        });
        if (memory) q.useMemory(memory);
        model.replaceLinear(name, q);
      }
    }
    return { model, dense };
  }

  async function adapted(
    memory: DeviceMemory | undefined,
  ): Promise<{ model: ToyModel; lm: LoraModel; dense: Map<string, Float32Array> }> {
    const { model, dense } = toy(memory, true);
    const lm = injectLora(
      model,
      loraConfig({ target_modules: ['q_proj', 'up_proj'], init_lora_weights: false }),
      {
        seed: 4,
      },
    );
    if (memory) await moveTo(memory, [...adapterStateDict(lm).values()], lm.layers.values());
    return { model, lm, dense };
  }

  test('mergeAndUnload gives the host run’s tensors and report, and keeps only what the merged model holds', async () => {
    const host = await adapted(undefined);
    const want = await mergeAndUnload(host.lm, { original: (n) => host.dense.get(n) });
    await setBackend(OPAQUE_BACKEND);
    const device = await adapted(opaque);
    const live = opaque.live;
    const got = await mergeAndUnload(device.lm, { original: (n) => device.dense.get(n) });
    expect(got.modules).toEqual(want.modules);
    expect(got.modules.map((m) => m.mergedInto)).toEqual(['dense', 'dequantized', 'dense', 'dequantized']);
    expect([...got.tensors.keys()]).toEqual([...want.tensors.keys()]);
    for (const [name, t] of want.tensors) expect(got.tensors.get(name), name).toEqual(t);
    // new arrays after the merge: exactly the FrozenLinears' dequantized-and-merged weights (up_proj has no bias)
    const frozen = [...device.model.linearModules().values()].filter((m) => m instanceof FrozenLinear);
    expect(frozen).toHaveLength(2);
    expect(opaque.live).toBe(live + frozen.length);
    for (const f of frozen) expect(f.weight.data[Symbol.toStringTag]).toBe('DeviceF32');
  });

  test('saveAdapter and saveMlxAdapter read device parameters back; loading them gives the same values', async () => {
    await setBackend(OPAQUE_BACKEND);
    const { lm } = await adapted(opaque);
    const values = async (m: LoraModel) =>
      new Map(
        await Promise.all([...adapterStateDict(m)].map(async ([k, p]) => [k, await toHost(p.data)] as const)),
      );
    const saved = await values(lm);
    const readbacks = opaque.counters().readbacks;
    await saveAdapter(join(dir, 'peft'), lm);
    await saveMlxAdapter(join(dir, 'mlx'), lm);
    expect(opaque.counters().readbacks).toBe(readbacks + 2 * saved.size);
    await setBackend(REFERENCE_BACKEND);
    const fresh = (): LinearContainer => toy(undefined, true).model;
    expect(await values(await loadAdapter(join(dir, 'peft'), fresh()))).toEqual(saved);
    const mlx = await values(await loadMlxAdapter(join(dir, 'mlx'), fresh()));
    expect([...mlx.values()]).toEqual([...saved.values()]);
  });
});
