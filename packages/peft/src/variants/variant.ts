// The LoRA variant interface (PEFT tuners/lora/variants.py LoraVariant): what a variant changes about a LoRA layer —
// its extra parameters and their init, how the adapter's output is added to base(x) and differentiated, and how it
// folds into (and out of) the base weight. LoraLinear owns the shared part: dropout, h = x_d·Aᵀ, the A/B gradients.
import type { F32, Parameter } from '@lora/core';
import type { LoraLinear } from '../lora-linear.js';

/** What a variant's forward sees: base(x) in `y`, and the LoRA factor product already formed. */
export interface VariantForward {
  /** (T, out) holds base(x) on entry; the variant adds the adapter's output */
  y: F32;
  /** (T, in) the dropped-out input x_d (x itself without dropout) */
  xd: F32;
  /** (T, R) x_d·Aᵀ */
  h: F32;
  rows: number;
  /** whether dropout ran (x_d ≠ x), so base(x) − b is not x_d·Wᵀ */
  dropped: boolean;
}

/** What reaches LoRA's factors from a variant's backward. */
export interface VariantGradient {
  /** (T, out) the gradient into s·h·Bᵀ, from which LoraLinear accumulates dA and dB */
  g: F32;
  /** (T, out) a gradient into x_d·Wᵀ besides the base's own (DoRA's rescaled base term), when the variant has one */
  gBase?: F32;
}

/**
 * One layer's variant: created per LoraLinear, `init` runs once after lora_A and lora_B hold their initial values
 * (PEFT's LoraVariant.init after update_layer's init). `Cache` is what backward needs from forward, `Merged` what
 * unmerge needs from merge.
 */
export interface LoraVariant<Cache = unknown, Merged = unknown> {
  /** PEFT's name for it: "lora", "dora" */
  readonly name: string;
  /** DoRA's (out) magnitude (PEFT's lora_magnitude_vector); undefined for variants without one */
  readonly magnitude: Parameter | undefined;
  /** the variant's own parameters, listed after lora_A and lora_B */
  parameters(): Parameter[];
  init(layer: LoraLinear): void;
  /** adds the adapter's output to `step.y`; returns what backward needs */
  forward(layer: LoraLinear, step: VariantForward): Cache;
  /** from dy (T, out): the gradients LoraLinear carries on; accumulates the variant's own parameters' gradients */
  backward(layer: LoraLinear, dy: F32, cache: Cache, rows: number): VariantGradient;
  /** weight (out, in) ← the weight the layer computes with (PEFT merge_unsafe); returns what unmerge needs */
  merge(layer: LoraLinear, weight: F32): Merged;
  /** undoes merge on `weight` in place, from what merge returned */
  unmerge(layer: LoraLinear, weight: F32, merged: Merged): void;
}
