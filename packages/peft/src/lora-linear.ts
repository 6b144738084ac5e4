// LoRA around any linear (Hu et al. 2021; PEFT tuners/lora/layer.py Linear, mlx-lm LoRALinear), dense or 4-bit:
// y = base(x) + s·(dropout(x)·Aᵀ)·Bᵀ with A (R, in), B (out, R), s = α/R (α/√R with rsLoRA); what a variant
// (DoRA) changes about that lives behind the LoraVariant interface in variants/.
import {
  allocLike,
  type DeviceMemory,
  type F32,
  type ForwardContext,
  kernel,
  type LinearCache,
  type LinearModule,
  memoryOf,
  type Parameter,
  uniformStream,
} from '@lora/core';
import { gradOf, LoraScratch, Scratch } from './buffers.js';
import { type LoraInit, loraScaling } from './config.js';
import { LoraConfigError, MergeError } from './errors.js';
import { initAdapter, type Uniform } from './init.js';
import { LoraVariantDora } from './variants/dora.js';
import { LoraVariantPlain } from './variants/lora.js';
import type { LoraVariant } from './variants/variant.js';

/** PEFT's state-dict prefix: PeftModel.base_model (LoraModel) → .model (the wrapped transformers model). */
export const PEFT_PREFIX = 'base_model.model.';

/** Options of `LoraLinear`: the module name, rank, alpha, dropout, rsLoRA, DoRA and initialisation. */
export interface LoraLinearOptions {
  /** Hugging Face module name, e.g. "model.layers.0.self_attn.q_proj" */
  name: string;
  r: number;
  alpha: number;
  dropout?: number;
  useRslora?: boolean;
  useDora?: boolean;
  init?: LoraInit;
  /** uniform [0, 1) for the initial A and B; a fixed seed by default */
  rng?: Uniform;
  /** overrides α/R (mlx-lm stores the scale itself) */
  scaling?: number;
  /** dropout scratch shared with the model's other LoRA layers (injectLora passes one); the layer's own otherwise */
  scratch?: LoraScratch;
}

interface LoraExtra {
  baseCache: LinearCache;
  /** false when merged or disabled: only the base ran */
  active: boolean;
  /** (T, R) x_d·Aᵀ, and the version of its buffer this forward wrote */
  h?: F32;
  hVersion?: number;
  /** the dropout stream's seed, when dropout ran: backward redraws the same mask */
  seed?: number;
  /** what the variant's backward needs */
  variant?: unknown;
}

export class LoraLinear implements LinearModule {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly r: number;
  readonly alpha: number;
  readonly scaling: number;
  readonly dropout: number;
  /** plain LoRA, or DoRA with `useDora` (PEFT's LoraVariant) */
  readonly variant: LoraVariant;
  /** (R, in) */
  readonly loraA: Parameter;
  /** (out, R) */
  readonly loraB: Parameter;
  /** the wrapped linear (after PiSSA/OLoRA on a 4-bit base: a new one holding the re-quantized residual) */
  readonly base: LinearModule;
  /**
   * A and B as a base-rewriting init (PiSSA, OLoRA) left them, kept to convert the trained adapter into a plain LoRA
   * on the original base (PEFT's path_initial_model_for_weight_conversion); undefined for other inits
   */
  readonly initialWeights: { a: Float32Array; b: Float32Array } | undefined;
  /** false: the adapter is skipped and the layer computes base(x) (PEFT's disable_adapter) */
  enabled = true;
  #merged = false;
  /** what the variant's merge returned, for unmerge (DoRA: ‖W + s·BA‖ at merge time, as PEFT keeps it) */
  #mergeState: unknown;
  /**
   * The (T, R) x_d·Aᵀ buffer, reused while the input is the same array (the next step's, or a recomputation under
   * gradient checkpointing, which redraws the same dropout seed); its version counts writes, so a backward whose
   * forward was overwritten by a later one fails instead of using the wrong values.
   */
  #h: { x: F32; rows: number; h: F32; version: number } | undefined;
  /** the dropped-out input (T, in) and its gradient: shared by the model's LoRA layers */
  readonly #shared: LoraScratch;
  /** backward's (T, R) scratch */
  readonly #dh = new Scratch();

  constructor(base: LinearModule, options: LoraLinearOptions) {
    const { name, r, alpha } = options;
    if (!Number.isInteger(r) || r <= 0)
      throw new LoraConfigError(`LoraLinear ${name}: r expected a positive integer, got ${r}`);
    const dropout = options.dropout ?? 0;
    if (!(dropout >= 0 && dropout < 1))
      throw new LoraConfigError(`LoraLinear ${name}: dropout expected [0, 1), got ${dropout}`);
    this.name = name;
    this.base = base;
    this.inFeatures = base.inFeatures;
    this.outFeatures = base.outFeatures;
    this.r = r;
    this.alpha = alpha;
    this.scaling = options.scaling ?? loraScaling(alpha, r, options.useRslora ?? false);
    this.dropout = dropout;
    this.#shared = options.scratch ?? new LoraScratch();
    const rng = options.rng ?? uniformStream(0);
    // PiSSA / OLoRA read the base weight and leave the residual in it (a 4-bit base is re-quantized: a new base)
    const { a, b, ...made } = initAdapter(
      options.init ?? true,
      base,
      { r, scaling: this.scaling, name },
      rng,
    );
    this.base = made.base;
    this.initialWeights = made.initial;
    this.loraA = this.adapterParameter('lora_A.weight', [r, this.inFeatures], a);
    this.loraB = this.adapterParameter('lora_B.weight', [this.outFeatures, r], b);
    this.variant = options.useDora ? new LoraVariantDora() : new LoraVariantPlain();
    this.variant.init(this);
  }

  /** A trainable adapter parameter named as PEFT's state dict names it: `base_model.model.<name>.<suffix>`. */
  adapterParameter(suffix: string, shape: number[], data: Float32Array): Parameter {
    return {
      name: `${PEFT_PREFIX}${this.name}.${suffix}`,
      shape,
      data,
      grad: new Float32Array(data.length), // trainable from the start: core's Parameter contract
      trainable: true,
      decay: true,
    };
  }

  /** DoRA's (out) magnitude vector (PEFT's lora_magnitude_vector); undefined for plain LoRA. */
  get magnitude(): Parameter | undefined {
    return this.variant.magnitude;
  }

  get merged(): boolean {
    return this.#merged;
  }

  /** x_d = dropout(x) with the stream `seed`, in the layer's scratch (x itself without dropout). */
  #dropped(x: F32, n: number, seed: number | undefined): F32 {
    if (seed === undefined) return x;
    const xd = this.#shared.dropped.take(x, n); // (T, in)
    kernel('dropout')({ x, out: xd, n, p: this.dropout, seed });
    return xd;
  }

  /** y (T, out) = base(x) + the variant's output from h = x_d·Aᵀ (s·h·Bᵀ for LoRA); dropout only when ctx.training. */
  forward(x: F32, rows: number, ctx: ForwardContext, out?: F32): { out: F32; cache: LinearCache } {
    if (!Number.isInteger(rows) || rows < 0 || x.length < rows * this.inFeatures) {
      throw new LoraConfigError(
        `LoraLinear ${this.name}: input expected ${rows}×${this.inFeatures} values, got ${x.length}`,
      );
    }
    const { out: y, cache: baseCache } = this.base.forward(x, rows, ctx, out); // (T, out)
    if (this.#merged || !this.enabled)
      return { out: y, cache: { x, rows, extra: { baseCache, active: false } } };
    const { inFeatures: I, r: R } = this;
    const matmul = kernel('matmul');
    const dropping = ctx.training && this.dropout > 0;
    const seed = dropping ? Math.floor((ctx.rng ?? Math.random)() * 2 ** 32) : undefined;
    const xd = this.#dropped(x, rows * I, seed); // (T, in)
    const slot = this.#hSlot(x, rows);
    matmul({ a: xd, b: this.loraA.data, out: slot.h, m: rows, n: R, k: I, transB: true }); // (T, R)
    const extra: LoraExtra = { baseCache, active: true, h: slot.h, hVersion: slot.version, seed };
    extra.variant = this.variant.forward(this, { y, xd, h: slot.h, rows, dropped: dropping });
    return { out: y, cache: { x, rows, extra } };
  }

  /** dx (T, in) from dy (T, out); accumulates dA, dB (and dm) and whatever the base trains. */
  backward(dy: F32, cache: LinearCache, dxAccumulate?: F32): F32 {
    const extra = cache.extra as LoraExtra;
    const h = extra.h;
    // checked before anything is accumulated, so a refused backward leaves dx and every gradient as they were
    const slot = this.#h;
    if (extra.active && (!slot || slot.h !== h || slot.version !== extra.hVersion)) {
      throw new LoraConfigError(
        `LoraLinear ${this.name} backward: expected the cache of the latest forward on this input, got one a later forward overwrote`,
      );
    }
    const dx = this.base.backward(dy, extra.baseCache, dxAccumulate); // (T, in)
    if (!extra.active || !h) return dx;
    const { x, rows } = cache;
    const { inFeatures: I, outFeatures: O, r: R } = this;
    const matmul = kernel('matmul');
    const { g, gBase } = this.variant.backward(this, dy, extra.variant, rows); // (T, out) into the LoRA branch
    if (this.loraB.trainable) {
      // (out, R) += s · gᵀ (out, T) · h (T, R)
      matmul({
        a: g,
        b: h,
        out: gradOf(this.loraB),
        m: O,
        n: R,
        k: rows,
        transA: true,
        accumulate: true,
        alpha: this.scaling,
      });
    }
    const dh = this.#dh.take(dy, rows * R); // (T, R) = s · g · B
    matmul({ a: g, b: this.loraB.data, out: dh, m: rows, n: R, k: O, alpha: this.scaling });
    const xd = this.#dropped(x, rows * I, extra.seed); // (T, in), the forward's mask redrawn
    if (this.loraA.trainable) {
      // (R, in) += dhᵀ (R, T) · x_d (T, in)
      matmul({ a: dh, b: xd, out: gradOf(this.loraA), m: R, n: I, k: rows, transA: true, accumulate: true });
    }
    if (extra.seed === undefined && !gBase) {
      matmul({ a: dh, b: this.loraA.data, out: dx, m: rows, n: I, k: R, accumulate: true }); // dx += dh · A
      return dx;
    }
    const dxd = this.#shared.droppedGrad.take(dy, rows * I); // (T, in) gradient w.r.t. x_d
    matmul({ a: dh, b: this.loraA.data, out: dxd, m: rows, n: I, k: R });
    if (gBase)
      matmul({
        a: gBase,
        b: this.base.denseWeight!().weight,
        out: dxd,
        m: rows,
        n: I,
        k: O,
        accumulate: true,
      });
    // x_d = mask ⊙ x / (1 − p), so dx += mask ⊙ dxd / (1 − p): the same dropout call on the gradient
    if (extra.seed !== undefined)
      kernel('dropout')({ x: dxd, out: dxd, n: rows * I, p: this.dropout, seed: extra.seed });
    kernel('add')({ a: dx, b: dxd, out: dx, n: rows * I });
    return dx;
  }

  /**
   * The (T, R) buffer for x_d·Aᵀ: the same one while the input array and rows are the same; a new input replaces it
   * (freeing the old one), after which a backward from an older forward fails instead of reading it.
   */
  #hSlot(x: F32, rows: number): { h: F32; version: number } {
    let slot = this.#h;
    if (!slot || slot.x !== x || slot.rows !== rows) {
      if (slot) memoryOf(slot.h).free(slot.h);
      slot = { x, rows, h: allocLike(x, rows * this.r), version: 0 };
      this.#h = slot;
    }
    slot.version++;
    return slot;
  }

  /** Moves what the base holds besides parameters; the layer's own scratch follows its inputs' memory. */
  useMemory(memory: DeviceMemory): void {
    this.base.useMemory?.(memory);
    if (this.#h) memoryOf(this.#h.h).free(this.#h.h);
    this.#h = undefined;
  }

  /** The base's parameters, then the adapter's, as model.parameters() lists them. */
  parameters(): Parameter[] {
    return [...this.base.parameters(), ...this.adapterParameters()];
  }

  /** lora_A, lora_B, then the variant's own (DoRA's magnitude): what an adapter file holds for this layer. */
  adapterParameters(): Parameter[] {
    return [this.loraA, this.loraB, ...this.variant.parameters()];
  }

  /** s·B·A (out, in): what merging adds to the base weight (before DoRA's rescaling), in the layer's memory. */
  deltaWeight(): F32 {
    const delta = allocLike(this.loraA.data, this.outFeatures * this.inFeatures); // (out, in)
    kernel('matmul')({
      a: this.loraB.data,
      b: this.loraA.data,
      out: delta,
      m: this.outFeatures,
      n: this.inFeatures,
      k: this.r,
      alpha: this.scaling,
    });
    return delta;
  }

  /** The weight this layer computes with: a copy of the base's with the variant merged in (W + s·BA for LoRA). */
  denseWeight(): { weight: F32; bias: F32 | undefined } {
    if (!this.base.denseWeight)
      throw new MergeError(`${this.name}: expected a base linear with denseWeight(), got none`);
    const { weight, bias } = this.base.denseWeight();
    if (this.#merged || !this.enabled) return { weight, bias };
    this.variant.merge(this, weight);
    return { weight, bias };
  }

  /** The base's own (out, in) weight parameter, which merge() edits in place; undefined for a 4-bit base. */
  denseBaseWeight(): Parameter | undefined {
    const { inFeatures: I, outFeatures: O } = this;
    return this.base
      .parameters()
      .find((p) => p.shape.length === 2 && p.shape[0] === O && p.shape[1] === I && p.data.length === O * I);
  }

  /** PEFT's merge(): fold the adapter into the dense base weight in place; forward then runs the base only. */
  merge(): void {
    if (this.#merged)
      throw new MergeError(`merge ${this.name}: expected an unmerged adapter, got one already merged`);
    const w = this.#requireDenseBase('merge');
    this.#mergeState = this.variant.merge(this, w.data);
    this.#merged = true;
  }

  /** PEFT's unmerge(): the variant takes the adapter out of the base weight again. */
  unmerge(): void {
    if (!this.#merged)
      throw new MergeError(`unmerge ${this.name}: expected a merged adapter, got one not merged`);
    const weight = this.#requireDenseBase('unmerge').data;
    this.variant.unmerge(this, weight, this.#mergeState);
    this.#merged = false;
    this.#mergeState = undefined;
  }

  #requireDenseBase(op: string): Parameter {
    const w = this.denseBaseWeight();
    if (!w) {
      throw new MergeError(
        `${op} ${this.name}: expected a dense (${this.outFeatures}, ${this.inFeatures}) base weight parameter, got none ` +
          '(a 4-bit base cannot be merged in place; use mergeAndUnload, which merges into its dequantized weight)',
      );
    }
    return w;
  }
}
