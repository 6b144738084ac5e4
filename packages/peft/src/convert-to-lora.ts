// PiSSA/OLoRA → plain LoRA on the original base (PEFT PeftModel.save_pretrained with
// path_initial_model_for_weight_conversion, LoraModel.subtract_mutated_init): W = W_res + s·B₀A₀ and the trained
// layer computes W_res + s·BA, so W + s·(BA − B₀A₀) = W + s·[B | −B₀]·[A; A₀] — a LoRA of rank 2R whose config
// doubles r and α (α·√2 with rsLoRA), keeping s, and says init_lora_weights: true.
import { toHost } from '@lora/core';
import { isBaseInit } from './base-init.js';
import type { LoraConfig } from './config.js';
import { LoraConfigError } from './errors.js';
import { type LoraModel, modelParameters } from './lora-model.js';
import { blocksOf, readTensor, tensorShape } from './tensor-blocks.js';

/** A tensor as an adapter file holds it. */
export interface AdapterTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * The rank-2R LoRA tensors (by PEFT key) and config that apply to the original base what `lm` applies to its
 * residual base. Throws LoraConfigError for an adapter that was not initialised with PiSSA/OLoRA, or uses DoRA.
 */
export async function convertToLora(
  lm: LoraModel,
): Promise<{ tensors: Map<string, AdapterTensor>; config: LoraConfig }> {
  const init = lm.config.init_lora_weights;
  if (!isBaseInit(init))
    throw new LoraConfigError(
      `convertToLora: init_lora_weights expected "pissa", "pissa_niter_<K>" or "olora", got ${JSON.stringify(init)}`,
    );
  if (lm.config.use_dora)
    throw new LoraConfigError(
      'convertToLora: use_dora expected false (a DoRA magnitude has no rank-2R form), got true',
    );
  const tensors = new Map<string, AdapterTensor>();
  for (const [name, layer] of lm.layers) {
    const initial = layer.initialWeights;
    if (!initial)
      throw new LoraConfigError(
        `convertToLora: ${name} expected the initial A and B it was created with, got none`,
      );
    const { r: R, inFeatures: I, outFeatures: O } = layer;
    const [a, b] = [await toHost(layer.loraA.data), await toHost(layer.loraB.data)];
    const a2 = new Float32Array(2 * R * I); // (2R, in) = [A; A₀]
    a2.set(a);
    a2.set(initial.a, R * I);
    const b2 = new Float32Array(O * 2 * R); // (out, 2R) = [B | −B₀]
    for (let j = 0; j < O; j++)
      for (let i = 0; i < R; i++) {
        b2[j * 2 * R + i] = b[j * R + i]!;
        b2[j * 2 * R + R + i] = -initial.b[j * R + i]!;
      }
    tensors.set(layer.loraA.name, { shape: [2 * R, I], data: a2 });
    tensors.set(layer.loraB.name, { shape: [O, 2 * R], data: b2 });
  }
  const params = modelParameters(lm.model);
  for (const [key, p] of lm.extraTrainable)
    tensors.set(key, { shape: tensorShape(p), data: await readTensor(blocksOf(p, params)) });
  const c = lm.config;
  const double = (pattern: Record<string, number>) =>
    Object.fromEntries(Object.entries(pattern).map(([k, v]) => [k, 2 * v]));
  const config: LoraConfig = {
    ...c,
    init_lora_weights: true,
    r: 2 * c.r,
    lora_alpha: c.use_rslora ? c.lora_alpha * Math.SQRT2 : 2 * c.lora_alpha,
    rank_pattern: double(c.rank_pattern),
    // PEFT doubles alpha_pattern even with rsLoRA, which changes s there; √2 keeps s, as lora_alpha's rule does
    alpha_pattern: Object.fromEntries(
      Object.entries(c.alpha_pattern).map(([k, v]) => [k, c.use_rslora ? v * Math.SQRT2 : 2 * v]),
    ),
  };
  return { tensors, config };
}
