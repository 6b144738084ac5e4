import { hostF32, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { loraConfig } from './config.js';
import { LoraConfigError, TargetModulesError } from './errors.js';
import { LoraLinear } from './lora-linear.js';
import { fixedHalfEven, injectLora } from './lora-model.js';
import { randomWeights } from './toy-linears.test-support.js';
import { crossEntropy, ToyModel } from './toy-model.test-support.js';

const dims = { layers: 2, hidden: 8, ffn: 12, vocab: 10 };

function toy(seed = 1): ToyModel {
  const rng = makeRng(seed);
  return new ToyModel('llama', dims, (_n, out, inF, bias) => ({
    weight: randomWeights(out * inF, rng.next, 0.5),
    ...(bias ? { bias: randomWeights(out, rng.next, 0.2) } : {}),
  }));
}

const x = randomWeights(5 * dims.hidden, makeRng(7).next, 2);

describe('injectLora', () => {
  test('wraps the matched linears, freezes the rest and names parameters as PEFT does', () => {
    const model = toy();
    const lm = injectLora(model, loraConfig({ target_modules: ['q_proj', 'down_proj'] }));
    expect([...lm.layers.keys()]).toEqual([
      'model.layers.0.self_attn.q_proj',
      'model.layers.0.mlp.down_proj',
      'model.layers.1.self_attn.q_proj',
      'model.layers.1.mlp.down_proj',
    ]);
    expect(model.linearModules().get('model.layers.1.mlp.down_proj')).toBeInstanceOf(LoraLinear);
    const trainable = lm.trainableParameters().map((p) => [p.name, p.shape]);
    expect(trainable).toContainEqual([
      'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight',
      [8, 8],
    ]);
    expect(trainable).toContainEqual([
      'base_model.model.model.layers.1.mlp.down_proj.lora_A.weight',
      [8, 12],
    ]);
    expect(trainable).toContainEqual(['base_model.model.model.layers.1.mlp.down_proj.lora_B.weight', [8, 8]]);
    expect(trainable).toHaveLength(8);
    expect(
      lm
        .parameters()
        .filter((p) => !p.name.includes('lora_'))
        .every((p) => !p.trainable),
    ).toBe(true);
  });

  test("trainableParameterCount is print_trainable_parameters' numbers and line", () => {
    // base: 2 × (q 8·8+8, o 8·8, up 12·8, down 8·12) + lm_head 10·8 = 736; LoRA r=8: 2 × (q 64+64, down 96+64) = 576
    const count = injectLora(
      toy(),
      loraConfig({ target_modules: ['q_proj', 'down_proj'] }),
    ).trainableParameterCount();
    expect([count.trainable, count.all]).toEqual([576, 1312]);
    expect(count.line).toBe('trainable params: 576 || all params: 1,312 || trainable%: 43.9024');
  });

  test.each([
    [0.03125, 4, '0.0312'],
    [0.09375, 4, '0.0938'],
    [2.5, 0, '2'],
    [-0.03125, 4, '-0.0312'],
    [43.90243902439025, 4, '43.9024'],
  ])("format(%f, '.%if') is %s as in Python", (value, digits, expected) => {
    expect(fixedHalfEven(value, digits)).toBe(expected);
  });

  test('bias "all" trains every bias; a wrapped layer\'s bias is keyed under base_layer', () => {
    const lm = injectLora(toy(), loraConfig({ target_modules: ['q_proj'], bias: 'all' }));
    expect([...lm.extraTrainable.keys()]).toEqual([
      'base_model.model.model.layers.0.self_attn.q_proj.base_layer.bias',
      'base_model.model.model.layers.1.self_attn.q_proj.base_layer.bias',
    ]);
    expect([...lm.extraTrainable.values()].every((p) => p.trainable)).toBe(true);
  });

  test('bias "lora_only" trains only the biases of wrapped layers', () => {
    expect(
      injectLora(toy(), loraConfig({ target_modules: ['o_proj'], bias: 'lora_only' })).extraTrainable.size,
    ).toBe(0);
    expect(
      injectLora(toy(), loraConfig({ target_modules: ['q_proj', 'o_proj'], bias: 'lora_only' }))
        .extraTrainable.size,
    ).toBe(2);
  });

  test('modules_to_save makes that module trainable under its own name and keeps LoRA off it', () => {
    const lm = injectLora(toy(), loraConfig({ target_modules: 'all-linear', modules_to_save: ['lm_head'] }));
    expect([...lm.extraTrainable.keys()]).toEqual(['base_model.model.lm_head.weight']);
    expect(lm.layers.has('lm_head')).toBe(false);
    expect(lm.layers.size).toBe(8);
  });

  test.each([
    [
      'modules_to_save naming nothing',
      { target_modules: ['q_proj'], modules_to_save: ['score'] },
      LoraConfigError,
    ],
    ['target_modules matching nothing', { target_modules: ['c_attn'] }, TargetModulesError],
  ])('%s throws and leaves the model untouched', (_what, options, type) => {
    const model = toy();
    expect(() => injectLora(model, loraConfig(options))).toThrowError(type);
    expect([...model.linearModules().values()].some((m) => m instanceof LoraLinear)).toBe(false);
  });

  test('inference_mode freezes the adapter too', () => {
    const lm = injectLora(toy(), loraConfig({ target_modules: ['q_proj'], inference_mode: true }));
    expect(lm.trainableParameters()).toHaveLength(0);
  });

  test('disabled adapters compute the base model; a training step touches only trainable gradients', () => {
    const base = toy().forward(x, 5, { training: false }).logits;
    const model = toy();
    const lm = injectLora(
      model,
      loraConfig({ target_modules: ['q_proj', 'up_proj'], init_lora_weights: false, lora_dropout: 0.1 }),
    );
    expect(hostF32(model.forward(x, 5, { training: false }).logits)).not.toEqual(hostF32(base));
    lm.setAdaptersEnabled(false);
    expect(hostF32(model.forward(x, 5, { training: false }).logits)).toEqual(hostF32(base));
    lm.setAdaptersEnabled(true);
    const { logits, tape } = model.forward(x, 5, { training: true, rng: makeRng(3).next });
    model.backward(crossEntropy(logits, [1, 2, 3, 4, 5], dims.vocab).dlogits, 5, tape);
    const withGrad = lm.parameters().filter((p) => p.grad !== undefined);
    expect(withGrad.length).toBe(8);
    expect(withGrad.every((p) => p.trainable && hostF32(p.grad!).some((g) => g !== 0))).toBe(true);
  });
});
