// A quadratic "model" for the trainer tests (not exported), written only with kernels so it runs on any backend's
// memory: loss sum = tokens · Σ p², grad += lossScale · 2 · tokens · p (times `gradMultiplier`), no correct tokens.
// Its parameters are named like a LoRA adapter's, and `fault` poisons the loss, a gradient or a parameter on one call.
import {
  allocLike,
  type DeviceMemory,
  type F32,
  kernel,
  memoryOf,
  type Parameter,
  writeHost,
} from '@lora/core';
import type { StepOptions, TokenBatch, TrainableModel } from './model.js';

export const QUADRATIC_NAMES = [
  'model.layers.0.self_attn.q_proj.lora_A.weight',
  'model.layers.1.mlp.down_proj.lora_B.weight',
] as const;

export interface Fault {
  /** the 1-based stepInto call that goes bad */
  call: number;
  /** loss: the loss sum becomes +Infinity; grad: lora_B grad[2] becomes NaN; param: lora_A data[3] becomes −3.4e38 */
  kind: 'loss' | 'grad' | 'param';
}

/** Label tokens after the shift (what the trainer expects a model to count). */
export function predictedTokens(batch: TokenBatch): number {
  let tokens = 0;
  for (let r = 0; r < batch.batch; r++)
    for (let t = 1; t < batch.seqLen; t++) if (batch.labels[r * batch.seqLen + t] !== -100) tokens++;
  return tokens;
}

export interface QuadraticOptions {
  fault?: Fault;
  /** where the parameters live; the host by default */
  memory?: DeviceMemory;
  /** multiplies every gradient (not the loss); default 1 */
  gradMultiplier?: number;
}

export class QuadraticModel implements TrainableModel {
  readonly params: Parameter[];
  readonly fault: Fault | undefined;
  readonly gradMultiplier: number;
  calls = 0;
  /** what the model reports as tokens, when it should miscount */
  miscount: number | undefined;
  #one: F32 | undefined;

  /** Parameters start as [0.5, −0.25, 1, 2] each. */
  constructor({ fault, memory, gradMultiplier = 1 }: QuadraticOptions = {}) {
    this.fault = fault;
    this.gradMultiplier = gradMultiplier;
    this.params = QUADRATIC_NAMES.map((name) => {
      const init = Float32Array.from([0.5, -0.25, 1, 2]);
      const data = memory ? memory.upload(init) : init;
      return { name, shape: [4], data, grad: allocLike(data, 4), trainable: true, decay: true };
    });
  }

  parameters(): Parameter[] {
    return this.params;
  }

  stepInto(batch: TokenBatch, options: StepOptions, stats: F32): void {
    this.calls++;
    const tokens = predictedTokens(batch);
    this.#one ??= memoryOf(stats).upload(Float32Array.of(1));
    const one = this.#one;
    const sumSq = allocLike(stats, 1); // zeroed
    for (const p of this.params) kernel('sumSquares')({ x: p.data, n: 4, out: sumSq });
    kernel('axpy')({ x: sumSq, y: stats.subarray(0, 1), n: 1, alpha: tokens });
    kernel('axpy')({ x: one, y: stats.subarray(1, 2), n: 1, alpha: this.miscount ?? tokens });
    memoryOf(sumSq).free(sumSq);
    if (options.backward) {
      const alpha = 2 * tokens * (options.lossScale ?? 1) * this.gradMultiplier;
      for (const p of this.params) kernel('axpy')({ x: p.data, y: p.grad!, n: 4, alpha });
    }
    if (this.calls !== this.fault?.call) return;
    if (this.fault.kind === 'loss') {
      const inf = memoryOf(stats).upload(Float32Array.of(Number.POSITIVE_INFINITY));
      kernel('axpy')({ x: inf, y: stats.subarray(0, 1), n: 1, alpha: 1 });
    }
    if (this.fault.kind === 'grad')
      writeHost(this.params[1]!.grad!.subarray(2, 3), Float32Array.of(Number.NaN));
    // the first update (−lr/(1−β1)·m̂/… ≈ −lr with lr 1e37, grad > 0) then overflows f32 to −Infinity
    if (this.fault.kind === 'param') writeHost(this.params[0]!.data.subarray(3, 4), Float32Array.of(-3.4e38));
  }
}
