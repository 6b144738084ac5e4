// LoRA around any linear (Hu et al. 2021; PEFT tuners/lora/layer.py Linear, mlx-lm LoRALinear), dense or 4-bit:
// y = base(x) + s·(dropout(x)·Aᵀ)·Bᵀ with A (R, in), B (out, R), s = α/R (α/√R with rsLoRA); DoRA optional.
import {
  type ForwardContext,
  kernel,
  type LinearCache,
  type LinearModule,
  type Parameter,
  uniformStream,
} from '@lora/core';
import { addInto, alloc, applyMask, dropoutMask, gradOf } from './buffers.js';
import { type LoraInit, loraScaling } from './config.js';
import { type DoraCache, doraBackward, doraForward, doraWeightNorm } from './dora.js';
import { LoraConfigError, MergeError } from './errors.js';
import { initLoraWeights, type Uniform } from './init.js';

/** PEFT's state-dict prefix: PeftModel.base_model (LoraModel) → .model (the wrapped transformers model). */
export const PEFT_PREFIX = 'base_model.model.';

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
}

interface LoraExtra {
  baseCache: LinearCache;
  /** false when merged or disabled: only the base ran */
  active: boolean;
  /** (T, R) x_d·Aᵀ */
  h?: Float32Array;
  /** (T, in) dropout keep mask, when dropout ran */
  keep?: Uint8Array;
  dora?: DoraCache;
}

export class LoraLinear implements LinearModule {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly r: number;
  readonly alpha: number;
  readonly scaling: number;
  readonly dropout: number;
  readonly useDora: boolean;
  /** (R, in) */
  readonly loraA: Parameter;
  /** (out, R) */
  readonly loraB: Parameter;
  /** (out) DoRA magnitude, ‖W + s·BA‖ per row at creation */
  readonly magnitude: Parameter | undefined;
  readonly base: LinearModule;
  /** false: the adapter is skipped and the layer computes base(x) (PEFT's disable_adapter) */
  enabled = true;
  #merged = false;
  /** DoRA: ‖W + s·BA‖ at merge time, to undo the merge as PEFT does */
  #mergedNorm: Float64Array | undefined;
  /** the (T, R) x·Aᵀ of the last forward without dropout, reused while its input is the same array */
  #h: { x: Float32Array; rows: number; h: Float32Array } | undefined;
  /** backward's (T, R) scratch */
  #dh: Float32Array | undefined;

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
    this.useDora = options.useDora ?? false;
    const a = new Float32Array(r * this.inFeatures);
    const b = new Float32Array(this.outFeatures * r);
    initLoraWeights(options.init ?? true, a, b, r, this.inFeatures, options.rng ?? uniformStream(0));
    const param = (suffix: string, shape: number[], data: Float32Array): Parameter => ({
      name: `${PEFT_PREFIX}${name}.${suffix}`,
      shape,
      data,
      grad: new Float32Array(data.length), // trainable from the start: core's Parameter contract
      trainable: true,
      decay: true,
    });
    this.loraA = param('lora_A.weight', [r, this.inFeatures], a);
    this.loraB = param('lora_B.weight', [this.outFeatures, r], b);
    if (this.useDora) {
      if (!base.denseWeight)
        throw new LoraConfigError(
          `LoraLinear ${name}: use_dora expected a base linear with denseWeight(), got none`,
        );
      const norm = doraWeightNorm(this.#doraWeights(base.denseWeight().weight));
      this.magnitude = param('lora_magnitude_vector', [this.outFeatures], Float32Array.from(norm));
    }
  }

  get merged(): boolean {
    return this.#merged;
  }

  #doraWeights(weight: Float32Array) {
    const { inFeatures, outFeatures, r, scaling } = this;
    return { weight, a: this.loraA.data, b: this.loraB.data, scaling, inFeatures, outFeatures, r };
  }

  /** y (T, out) = base(x) + s·(x_d·Aᵀ)·Bᵀ (+ DoRA terms); dropout only when ctx.training. */
  forward(
    x: Float32Array,
    rows: number,
    ctx: ForwardContext,
    out?: Float32Array,
  ): { out: Float32Array; cache: LinearCache } {
    if (!Number.isInteger(rows) || rows < 0 || x.length < rows * this.inFeatures) {
      throw new LoraConfigError(
        `LoraLinear ${this.name}: input expected ${rows}×${this.inFeatures} values, got ${x.length}`,
      );
    }
    const { out: y, cache: baseCache } = this.base.forward(x, rows, ctx, out); // (T, out)
    if (this.#merged || !this.enabled)
      return { out: y, cache: { x, rows, extra: { baseCache, active: false } } };
    const { inFeatures: I, outFeatures: O, r: R } = this;
    const matmul = kernel('matmul');
    const dropping = ctx.training && this.dropout > 0;
    const keep = dropping ? dropoutMask(rows * I, this.dropout, ctx.rng ?? Math.random) : undefined;
    const xd = keep ? applyMask(x, keep, 1 / (1 - this.dropout)) : x; // (T, in)
    const h = this.#hBuffer(x, rows, keep !== undefined); // (T, R)
    matmul({ a: xd, b: this.loraA.data, out: h, m: rows, n: R, k: I, transB: true });
    const extra: LoraExtra = { baseCache, active: true, h, ...(keep ? { keep } : {}) };
    if (!this.magnitude) {
      matmul({
        a: h,
        b: this.loraB.data,
        out: y,
        m: rows,
        n: O,
        k: R,
        transB: true,
        accumulate: true,
        alpha: this.scaling,
      });
      return { out: y, cache: { x, rows, extra } };
    }
    const { weight, bias } = this.base.denseWeight!();
    const loraOut = alloc(x, rows * O); // (T, out)
    matmul({ a: h, b: this.loraB.data, out: loraOut, m: rows, n: O, k: R, transB: true });
    const baseOut = alloc(x, rows * O); // (T, out) x_d·Wᵀ
    if (dropping) matmul({ a: xd, b: weight, out: baseOut, m: rows, n: O, k: I, transB: true });
    else for (let k = 0; k < rows * O; k++) baseOut[k] = y[k]! - (bias ? bias[k % O]! : 0);
    const norm = doraWeightNorm(this.#doraWeights(weight));
    extra.dora = doraForward(y, loraOut, baseOut, this.magnitude.data, norm, this.scaling, rows);
    return { out: y, cache: { x, rows, extra } };
  }

  /** dx (T, in) from dy (T, out); accumulates dA, dB (and dm) and whatever the base trains. */
  backward(dy: Float32Array, cache: LinearCache, dxAccumulate?: Float32Array): Float32Array {
    const extra = cache.extra as LoraExtra;
    const dx = this.base.backward(dy, extra.baseCache, dxAccumulate); // (T, in)
    if (!extra.active) return dx;
    const { x, rows } = cache;
    const { inFeatures: I, outFeatures: O, r: R } = this;
    const matmul = kernel('matmul');
    const h = extra.h!;
    let g = dy; // (T, out) what reaches the LoRA branch
    let gBase: Float32Array | undefined;
    if (extra.dora)
      ({ g, gBase } = doraBackward(
        dy,
        extra.dora,
        rows,
        this.magnitude!.trainable ? gradOf(this.magnitude!) : undefined,
      ));
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
    const dh = this.#scratch(dy, rows * R); // (T, R) = s · g · B
    matmul({ a: g, b: this.loraB.data, out: dh, m: rows, n: R, k: O, alpha: this.scaling });
    const xd = extra.keep ? applyMask(x, extra.keep, 1 / (1 - this.dropout)) : x; // (T, in)
    if (this.loraA.trainable) {
      // (R, in) += dhᵀ (R, T) · x_d (T, in)
      matmul({ a: dh, b: xd, out: gradOf(this.loraA), m: R, n: I, k: rows, transA: true, accumulate: true });
    }
    if (!extra.keep && !gBase) {
      matmul({ a: dh, b: this.loraA.data, out: dx, m: rows, n: I, k: R, accumulate: true }); // dx += dh · A
      return dx;
    }
    const dxd = alloc(dy, rows * I); // (T, in) gradient w.r.t. x_d
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
    addInto(dx, extra.keep ? applyMask(dxd, extra.keep, 1 / (1 - this.dropout), dxd) : dxd, rows * I);
    return dx;
  }

  /**
   * Where forward writes x·Aᵀ. Without dropout it is a function of x alone (x must stay unchanged until backward, as
   * the base's cache requires), so a forward on the same input array — the next step's, or a recomputation under
   * gradient checkpointing — reuses the buffer; with dropout each forward gets its own.
   */
  #hBuffer(x: Float32Array, rows: number, dropout: boolean): Float32Array {
    const slot = this.#h;
    if (!dropout && slot && slot.x === x && slot.rows === rows) return slot.h;
    const h = alloc(x, rows * this.r);
    if (!dropout) this.#h = { x, rows, h };
    return h;
  }

  /** backward's (T, R) scratch of x's element type, grown on demand. */
  #scratch(like: Float32Array, n: number): Float32Array {
    const s = this.#dh;
    if (s && s.length >= n && s.constructor === like.constructor)
      return s.length === n ? s : s.subarray(0, n);
    this.#dh = alloc(like, n);
    return this.#dh;
  }

  /** The base's parameters, then lora_A, lora_B (and the DoRA magnitude), as model.parameters() lists them. */
  parameters(): Parameter[] {
    const own = this.magnitude ? [this.loraA, this.loraB, this.magnitude] : [this.loraA, this.loraB];
    return [...this.base.parameters(), ...own];
  }

  /** s·B·A (out, in): what merging adds to the base weight (before DoRA's rescaling). */
  deltaWeight(): Float32Array {
    const delta = alloc(this.loraA.data, this.outFeatures * this.inFeatures); // (out, in)
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

  /** The weight this layer computes with: W + s·BA, or m/‖W + s·BA‖ ⊙ (W + s·BA) with DoRA. */
  denseWeight(): { weight: Float32Array; bias: Float32Array | undefined } {
    if (!this.base.denseWeight)
      throw new MergeError(`${this.name}: expected a base linear with denseWeight(), got none`);
    const { weight, bias } = this.base.denseWeight();
    if (this.#merged || !this.enabled) return { weight, bias };
    this.#foldInto(weight);
    return { weight, bias };
  }

  /** W ← W + s·BA (DoRA: ← m/‖W + s·BA‖ ⊙ (W + s·BA)); returns the DoRA norm used. */
  #foldInto(weight: Float32Array): Float64Array | undefined {
    const I = this.inFeatures;
    const norm = this.magnitude ? doraWeightNorm(this.#doraWeights(weight)) : undefined;
    const delta = this.deltaWeight();
    for (let k = 0; k < weight.length; k++) {
      const j = Math.floor(k / I);
      weight[k] = norm
        ? (this.magnitude!.data[j]! / norm[j]!) * (weight[k]! + delta[k]!)
        : weight[k]! + delta[k]!;
    }
    return norm;
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
    this.#mergedNorm = this.#foldInto(w.data);
    this.#merged = true;
  }

  /** PEFT's unmerge(): subtract the adapter again (DoRA: divide by m/‖W + s·BA‖ first, with the norm kept at merge). */
  unmerge(): void {
    if (!this.#merged)
      throw new MergeError(`unmerge ${this.name}: expected a merged adapter, got one not merged`);
    const w = this.#requireDenseBase('unmerge').data;
    const delta = this.deltaWeight();
    const I = this.inFeatures;
    for (let k = 0; k < w.length; k++) {
      const j = Math.floor(k / I);
      const factor = this.#mergedNorm ? this.magnitude!.data[j]! / this.#mergedNorm[j]! : 1;
      w[k] = w[k]! / factor - delta[k]!;
    }
    this.#merged = false;
    this.#mergedNorm = undefined;
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
