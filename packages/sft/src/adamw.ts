// AdamW over a model's trainable parameters, torch.optim.AdamW semantics (decoupled weight decay, bias correction),
// through the active backend's `adamw` kernel — one call per weight-decay group over the packed parameters (see
// parameter-groups.ts); parameters with `decay: false` get weight decay 0 (transformers' get_decay_parameter_names
// puts biases and norm weights in the no-decay group).
import { allocLike, type F32, kernel, type Parameter, readableOnHost, writeHost } from '@lora/core';
import type { TensorInputs } from '@lora/safetensors';
import { CheckpointError, TrainerConfigError } from './errors.js';
import { type GroupOptions, loraplusLrScale, loraplusMetadata, resolveLoraplusRatio } from './loraplus.js';
import type { Optimizer, OptimizerStateFile, SavedOptimizerTensors } from './optimizer.js';
import { checkTrainable, type ParameterGroup, packParameters } from './parameter-groups.js';
import { joinParts, wholeTensors } from './whole-tensors.js';

/** Options of `AdamW`: betas, eps and weight decay (torch's defaults), and LoRA+'s learning-rate ratio. */
export interface AdamwOptions extends GroupOptions {
  /** default 0.9 */
  beta1?: number;
  /** default 0.999 */
  beta2?: number;
  /** default 1e-8 */
  eps?: number;
  /** decoupled weight decay for parameters with `decay: true`; default 0 (transformers' default) */
  weightDecay?: number;
}

/** The options with torch's defaults filled in, checked; throws TrainerConfigError naming the first bad one. */
export function resolveAdamwOptions(options: AdamwOptions): Required<Omit<AdamwOptions, keyof GroupOptions>> {
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
  return { beta1, beta2, eps, weightDecay };
}

/** One parameter's moments, in torch's state_dict names: views of the optimizer's flat state. */
export interface AdamwParamState {
  expAvg: F32;
  expAvgSq: F32;
}

interface GroupState {
  group: ParameterGroup;
  /** (size) first and second moments */
  m: F32;
  v: F32;
}

/** AdamW as `torch.optim.AdamW` (decoupled weight decay), over parameters packed into one array per decay group. */
export class AdamW implements Optimizer {
  readonly name = 'adamw_torch';
  readonly label = 'AdamW';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly loraplusLrRatio: number | undefined;
  readonly params: readonly Parameter[];
  /** the packed parameters, one group per weight-decay setting and learning-rate scale */
  readonly groups: readonly ParameterGroup[];
  readonly #groups: GroupState[];
  /** each parameter's moments, in `params` order */
  readonly #state: AdamwParamState[];
  #step = 0;

  /**
   * `params` are the trainable parameters, each with a `grad` buffer, already in the memory they train in (call a
   * model's useMemory first): their values and gradients are packed into flat arrays here, and each parameter's
   * `data` and `grad` become views of those. Throws TrainerConfigError otherwise.
   */
  constructor(params: readonly Parameter[], options: AdamwOptions = {}) {
    const { beta1, beta2, eps, weightDecay } = resolveAdamwOptions(options);
    checkTrainable('AdamW', params);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.loraplusLrRatio = resolveLoraplusRatio(options);
    this.params = params;
    this.groups = packParameters(params, { lrScale: loraplusLrScale(this.loraplusLrRatio) });
    this.#groups = this.groups.map((group) => ({
      group,
      m: allocLike(group.data, group.size),
      v: allocLike(group.data, group.size),
    }));
    const byParam = new Map<Parameter, AdamwParamState>();
    for (const { group, m, v } of this.#groups) {
      group.params.forEach((p, i) => {
        const [start, end] = [group.offsets[i]!, group.offsets[i]! + p.data.length];
        byParam.set(p, { expAvg: m.subarray(start, end), expAvgSq: v.subarray(start, end) });
      });
    }
    this.#state = params.map((p) => byParam.get(p)!);
  }

  /** Steps taken so far (torch's per-parameter `step`, the same for every parameter here). */
  get stepCount(): number {
    return this.#step;
  }

  /** Moments of parameter `i` (views of the live state). */
  stateOf(i: number): AdamwParamState {
    const s = this.#state[i];
    if (!s) throw new RangeError(`AdamW.stateOf: expected an index below ${this.#state.length}, got ${i}`);
    return s;
  }

  /** Bytes of optimizer state: two f32 moments per trainable element. */
  stateBytes(): number {
    return this.#groups.reduce((sum, g) => sum + 8 * g.group.size, 0);
  }

  /**
   * One update of every parameter from its `grad` at learning rate `lr`. With `gradScale` (1 value in the
   * parameters' memory, e.g. the clip factor kernel('gradClip') wrote) the gradients are scaled first, and a
   * non-finite factor skips the update; the step count advances either way, as the caller then stops on the error.
   */
  step(lr: number, gradScale?: F32): void {
    this.#step += 1;
    const adamw = kernel('adamw');
    for (const { group, m, v } of this.#groups) {
      adamw({
        param: group.data,
        grad: group.grad,
        m,
        v,
        step: this.#step,
        lr: lr * group.lrScale,
        beta1: this.beta1,
        beta2: this.beta2,
        eps: this.eps,
        weightDecay: group.decay ? this.weightDecay : 0,
        n: group.size,
        ...(gradScale ? { gradScale } : {}),
      });
    }
  }

  /** Restore the step count and moments (from a checkpoint): host arrays written into the live state. */
  load(step: number, states: readonly { expAvg: Float32Array; expAvgSq: Float32Array }[]): void {
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
        writeHost(dst, src);
      }
    });
    this.#step = step;
  }

  /**
   * exp_avg and exp_avg_sq of each tensor (torch's state_dict keys), as `<name>.exp_avg` and `<name>.exp_avg_sq`: a
   * tensor kept in row blocks saved whole (the moments are elementwise), so the state loads under any split.
   */
  async saveState(): Promise<OptimizerStateFile> {
    const tensors: Record<string, TensorInputs[string]> = {};
    for (const t of wholeTensors(this.params)) {
      for (const [suffix, key] of [
        ['exp_avg', 'expAvg'],
        ['exp_avg_sq', 'expAvgSq'],
      ] as const) {
        const parts = await Promise.all(t.blocks.map((b) => readableOnHost(this.#state[b.index]![key])));
        tensors[`${t.name}.${suffix}`] = { dtype: 'F32', shape: t.shape, data: joinParts(parts) };
      }
    }
    const metadata = {
      optimizer: this.name,
      step: String(this.#step),
      betas: JSON.stringify([this.beta1, this.beta2]),
      eps: String(this.eps),
      weight_decay: String(this.weightDecay),
      ...loraplusMetadata(this.loraplusLrRatio),
    };
    return { tensors, metadata };
  }

  loadState(step: number, tensors: SavedOptimizerTensors, path: string): void {
    const states: { expAvg: Float32Array; expAvgSq: Float32Array }[] = [];
    for (const t of wholeTensors(this.params)) {
      const [expAvg, expAvgSq] = [tensors.get(`${t.name}.exp_avg`), tensors.get(`${t.name}.exp_avg_sq`)];
      if (!(expAvg instanceof Float32Array) || !(expAvgSq instanceof Float32Array)) {
        throw new CheckpointError(
          path,
          `${path}: expected float32 "${t.name}.exp_avg" and "${t.name}.exp_avg_sq", got ${expAvg ? '' : 'no exp_avg '}${expAvgSq ? '' : 'no exp_avg_sq'}`.trim(),
        );
      }
      for (const [key, saved] of [
        ['exp_avg', expAvg],
        ['exp_avg_sq', expAvgSq],
      ] as const) {
        if (saved.length !== t.size) {
          throw new CheckpointError(
            path,
            `${path}: "${t.name}.${key}": expected ${t.size} elements, got ${saved.length}`,
          );
        }
      }
      for (const b of t.blocks) {
        const end = b.offset + b.param.data.length;
        states[b.index] = {
          expAvg: expAvg.subarray(b.offset, end),
          expAvgSq: expAvgSq.subarray(b.offset, end),
        };
      }
    }
    try {
      this.load(step, states);
    } catch (cause) {
      throw new CheckpointError(path, `${path}: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
      });
    }
  }
}
