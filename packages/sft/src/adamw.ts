// AdamW over a model's trainable parameters, torch.optim.AdamW semantics (decoupled weight decay, bias correction),
// through the active backend's `adamw` kernel; parameters with `decay: false` get weight decay 0 (transformers'
// get_decay_parameter_names puts biases and norm weights in the no-decay group).
import { kernel, type Parameter } from '@lora/core';
import { TrainerConfigError } from './errors.js';

export interface AdamwOptions {
  /** default 0.9 */
  beta1?: number;
  /** default 0.999 */
  beta2?: number;
  /** default 1e-8 */
  eps?: number;
  /** decoupled weight decay for parameters with `decay: true`; default 0 (transformers' default) */
  weightDecay?: number;
}

/** One parameter's moments, in torch's state_dict names. */
export interface AdamwParamState {
  expAvg: Float32Array;
  expAvgSq: Float32Array;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly params: readonly Parameter[];
  readonly #state: AdamwParamState[];
  #step = 0;

  /** `params` are the trainable parameters, each with a `grad` buffer. Throws TrainerConfigError otherwise. */
  constructor(params: readonly Parameter[], options: AdamwOptions = {}) {
    const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0 } = options;
    for (const [key, value] of Object.entries({ beta1, beta2 })) {
      if (!(value >= 0 && value < 1))
        throw new TrainerConfigError(key, `${key}: expected a number in [0, 1), got ${value}`);
    }
    if (!(eps > 0 && Number.isFinite(eps)))
      throw new TrainerConfigError('eps', `eps: expected a finite number > 0, got ${eps}`);
    if (!(weightDecay >= 0 && Number.isFinite(weightDecay))) {
      throw new TrainerConfigError(
        'weightDecay',
        `weightDecay: expected a finite number >= 0, got ${weightDecay}`,
      );
    }
    for (const p of params) {
      if (!p.trainable || !p.grad || p.grad.length !== p.data.length) {
        throw new TrainerConfigError(
          p.name,
          `AdamW parameter "${p.name}": expected a trainable parameter with a grad of ${p.data.length} elements, got trainable=${p.trainable}, grad ${p.grad ? `${p.grad.length} elements` : 'missing'}`,
        );
      }
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.params = params;
    this.#state = params.map((p) => ({
      expAvg: new Float32Array(p.data.length),
      expAvgSq: new Float32Array(p.data.length),
    }));
  }

  /** Steps taken so far (torch's per-parameter `step`, the same for every parameter here). */
  get stepCount(): number {
    return this.#step;
  }

  /** Moments of parameter `i` (the live buffers). */
  stateOf(i: number): AdamwParamState {
    const s = this.#state[i];
    if (!s) throw new RangeError(`AdamW.stateOf: expected an index below ${this.#state.length}, got ${i}`);
    return s;
  }

  /** Bytes of optimizer state: two f32 moments per trainable element. */
  stateBytes(): number {
    return this.#state.reduce((sum, s) => sum + s.expAvg.byteLength + s.expAvgSq.byteLength, 0);
  }

  /** One update of every parameter from its `grad` at learning rate `lr`. */
  step(lr: number): void {
    this.#step += 1;
    const adamw = kernel('adamw');
    this.params.forEach((p, i) => {
      const s = this.#state[i]!;
      adamw({
        param: p.data,
        grad: p.grad!,
        m: s.expAvg,
        v: s.expAvgSq,
        step: this.#step,
        lr,
        beta1: this.beta1,
        beta2: this.beta2,
        eps: this.eps,
        weightDecay: p.decay ? this.weightDecay : 0,
        n: p.data.length,
      });
    });
  }

  /** Restore the step count and moments (from a checkpoint); the arrays are copied in. */
  load(step: number, states: readonly AdamwParamState[]): void {
    if (!Number.isInteger(step) || step < 0)
      throw new TrainerConfigError('step', `AdamW.load step: expected an integer >= 0, got ${step}`);
    if (states.length !== this.#state.length) {
      throw new TrainerConfigError(
        'states',
        `AdamW.load: expected ${this.#state.length} parameter states, got ${states.length}`,
      );
    }
    states.forEach((s, i) => {
      const own = this.#state[i]!;
      const name = this.params[i]!.name;
      for (const [key, src, dst] of [
        ['exp_avg', s.expAvg, own.expAvg],
        ['exp_avg_sq', s.expAvgSq, own.expAvgSq],
      ] as const) {
        if (src.length !== dst.length) {
          throw new TrainerConfigError(
            name,
            `AdamW.load "${name}" ${key}: expected ${dst.length} elements, got ${src.length}`,
          );
        }
        dst.set(src);
      }
    });
    this.#step = step;
  }
}
