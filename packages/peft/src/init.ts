// LoRA weight initialisation as PEFT's LoraLayer.update_layer chooses it: reset_lora_parameters with torch.nn.init's
// formulas — kaiming_uniform_(a=√5) draws U(-b, b) with b = gain·√(3 / fan_in), gain = √(2 / (1 + a²)), i.e.
// b = 1/√fan_in — or, for PiSSA and OLoRA, from the base weight (base-init.ts).
import type { LinearModule } from '@lora/core';
import { initBase, isBaseInit } from './base-init.js';
import type { LoraInit } from './config.js';

/** uniform [0, 1) */
export type Uniform = () => number;

/** torch.nn.init.kaiming_uniform_(w, a) for a (rows, fanIn) matrix, in place. */
export function kaimingUniform(w: Float32Array, fanIn: number, a: number, rng: Uniform): void {
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = gain * Math.sqrt(3 / fanIn);
  for (let i = 0; i < w.length; i++) w[i] = (2 * rng() - 1) * bound;
}

/** torch.nn.init.normal_(w, 0, std), in place (Box–Muller). */
export function normalInit(w: Float32Array, std: number, rng: Uniform): void {
  for (let i = 0; i < w.length; i++) {
    const u = Math.max(rng(), Number.MIN_VALUE);
    w[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  }
}

/**
 * Fill lora_A (r, in) and lora_B (out, r) as PEFT does: true → A Kaiming-uniform (a = √5), B zero; "gaussian" →
 * A normal with std 1/r, B zero; false → both keep nn.Linear's own init (Kaiming-uniform, a = √5), so the adapter
 * changes the output from the start.
 */
export function initLoraWeights(
  init: boolean | 'gaussian',
  a: Float32Array,
  b: Float32Array,
  r: number,
  inFeatures: number,
  rng: Uniform,
): void {
  if (init === 'gaussian') normalInit(a, 1 / r, rng);
  else kaimingUniform(a, inFeatures, Math.sqrt(5), rng);
  if (init === false) kaimingUniform(b, r, Math.sqrt(5), rng);
  else b.fill(0);
}

/** What `initAdapter` made: A (R, in), B (out, R), the base to wrap, and A and B kept when they came from the base. */
export interface AdapterInit {
  a: Float32Array;
  b: Float32Array;
  /** `base` itself, or (PiSSA/OLoRA on a 4-bit base) a new one holding the re-quantized residual */
  base: LinearModule;
  /** copies of A and B when a base-reading init set them (for convertToLora); undefined otherwise */
  initial: { a: Float32Array; b: Float32Array } | undefined;
}

/** A and B of a new rank-R adapter on `base` as `init` says (PiSSA and OLoRA also rewrite the base weight). */
export function initAdapter(
  init: LoraInit,
  base: LinearModule,
  shape: { r: number; scaling: number; name: string },
  rng: Uniform,
): AdapterInit {
  if (isBaseInit(init)) {
    const made = initBase(init, base, shape, rng);
    return { ...made, initial: { a: made.a.slice(), b: made.b.slice() } };
  }
  const { r } = shape;
  const a = new Float32Array(r * base.inFeatures);
  const b = new Float32Array(base.outFeatures * r);
  initLoraWeights(init, a, b, r, base.inFeatures, rng);
  return { a, b, base, initial: undefined };
}
