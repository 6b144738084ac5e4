import { dequantize4bit } from '@lora/quant-nf4';
import { expectClose, hostF32, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { maxAbsDiff } from './buffers.js';
import { loraConfig } from './config.js';
import { FrozenLinear } from './frozen-linear.js';
import { injectLora } from './lora-model.js';
import { mergeAndUnload } from './merge.js';
import { randomWeights, Toy4bitLinear, type ToyLinear } from './toy-linears.test-support.js';
import { ToyModel } from './toy-model.test-support.js';

const dims = { layers: 2, hidden: 8, ffn: 32, vocab: 10 };
const x = randomWeights(5 * dims.hidden, makeRng(7).next, 2);
const logits = (m: ToyModel) => hostF32(m.forward(x, 5, { training: false }).logits);

/** The toy network, with the up_proj linears 4-bit when `quantize`; `dense` keeps every original weight. */
function toy(quantize: boolean) {
  const rng = makeRng(1);
  const dense = new Map<string, Float32Array>();
  const model = new ToyModel('llama', dims, (name, out, inF, bias) => {
    const weight = randomWeights(out * inF, rng.next, 0.5);
    dense.set(name, weight.slice());
    return { weight, ...(bias ? { bias: randomWeights(out, rng.next, 0.2) } : {}) };
  });
  if (quantize) {
    for (const [name, l] of model.linearModules()) {
      if (name.endsWith('up_proj'))
        model.replaceLinear(name, new Toy4bitLinear(name, l.inFeatures, l.outFeatures, dense.get(name)!));
    }
  }
  return { model, dense };
}

describe('mergeAndUnload', () => {
  test('a dense base is merged in place and put back; the merged model computes what the adapted one did', async () => {
    const { model, dense } = toy(false);
    const before = new Map(model.linearModules());
    const lm = injectLora(
      model,
      loraConfig({ target_modules: ['q_proj', 'up_proj'], init_lora_weights: false }),
      { seed: 4 },
    );
    const adapted = logits(model);
    const { modules, tensors } = await mergeAndUnload(lm, { original: (n) => dense.get(n) });
    expect(modules.map((m) => [m.name, m.mergedInto, m.maxAbsDiffFromOriginal])).toEqual(
      [0, 1].flatMap((i) => [
        [`model.layers.${i}.self_attn.q_proj`, 'dense', 0],
        [`model.layers.${i}.mlp.up_proj`, 'dense', 0],
      ]),
    );
    for (const [name, m] of model.linearModules()) expect(m).toBe(before.get(name)); // the original base objects again
    expectClose(logits(model), adapted, { rtol: 1e-5, atol: 1e-5 }, 'merged logits');
    const q = model.linearModules().get('model.layers.0.self_attn.q_proj') as ToyLinear;
    expect(tensors.get('model.layers.0.self_attn.q_proj.weight')).toEqual({
      shape: [8, 8],
      data: hostF32(q.weight.data),
    });
    expect(tensors.get('model.layers.0.self_attn.q_proj.weight')!.data).not.toBe(q.weight.data); // a host copy
    expect(tensors.get('model.layers.0.self_attn.q_proj.bias')!.data).toEqual(hostF32(q.bias!.data));
  });

  test('a 4-bit base is merged into its dequantized weight, and the report says how far that is from the original', async () => {
    const { model, dense } = toy(true);
    const lm = injectLora(
      model,
      loraConfig({ target_modules: ['up_proj', 'down_proj'], init_lora_weights: false }),
      { seed: 4 },
    );
    const adapted = logits(model);
    const quantized = lm.layers.get('model.layers.1.mlp.up_proj')!.base as Toy4bitLinear;
    const delta = hostF32(lm.layers.get('model.layers.1.mlp.up_proj')!.deltaWeight());
    const { modules, tensors } = await mergeAndUnload(lm, { original: (n) => dense.get(n) });
    const up = modules.find((m) => m.name === 'model.layers.1.mlp.up_proj')!;
    expect(up.mergedInto).toBe('dequantized');
    const expectedDiff = maxAbsDiff(dequantize4bit(quantized.quantized), dense.get(up.name)!);
    expect(up.maxAbsDiffFromOriginal).toBe(expectedDiff);
    expect(expectedDiff).toBeGreaterThan(1e-3); // NF4 rounding is visible
    expect(modules.find((m) => m.name === 'model.layers.1.mlp.down_proj')!.mergedInto).toBe('dense');
    expect(model.linearModules().get(up.name)).toBeInstanceOf(FrozenLinear);
    const merged = tensors.get(`${up.name}.weight`)!;
    expect(merged.shape).toEqual([32, 8]);
    expectClose(
      merged.data,
      dequantize4bit(quantized.quantized).map((v, k) => v + delta[k]!),
      { rtol: 0, atol: 1e-6 },
      'dequantized + s·BA',
    );
    expectClose(logits(model), adapted, { rtol: 1e-5, atol: 1e-5 }, 'merged logits');
  });
});
