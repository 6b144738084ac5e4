// SGD over a model's trainable parameters, torch.optim.SGD at Hugging Face's defaults (momentum 0, dampening 0, no
// nesterov; weight decay added to the gradient), through the active backend's `sgd` kernel — one call per
// weight-decay group over the packed parameters (parameters with `decay: false` get weight decay 0). It keeps no
// state: torch's SGD without momentum has no momentum_buffer, so optimizer.safetensors holds only the settings.
import { kernel, type F32, type Parameter } from '@lora/core';
import { CheckpointError, TrainerConfigError } from './errors.js';
import type { Optimizer, OptimizerStateFile, SavedOptimizerTensors } from './optimizer.js';
import { type GroupOptions, loraplusLrScale, loraplusMetadata, resolveLoraplusRatio } from './loraplus.js';
import { checkTrainable, packParameters, type ParameterGroup } from './parameter-groups.js';

/** Options of `SGD`: weight decay, and LoRA+'s learning-rate ratio. */
export interface SgdOptions extends GroupOptions {
  /** L2 weight decay (added to the gradient) for parameters with `decay: true`; default 0 */
  weightDecay?: number;
}

/** torch.optim.SGD with momentum 0, over parameters packed into one array per decay group. */
export class SGD implements Optimizer {
  readonly name = 'sgd';
  readonly label = 'SGD';
  readonly weightDecay: number;
  readonly loraplusLrRatio: number | undefined;
  readonly params: readonly Parameter[];
  readonly groups: readonly ParameterGroup[];
  #step = 0;

  /**
   * `params` are the trainable parameters, each with a `grad` buffer, already in the memory they train in: packed
   * as AdamW packs them. Throws TrainerConfigError otherwise.
   */
  constructor(params: readonly Parameter[], options: SgdOptions = {}) {
    const { weightDecay = 0 } = options;
    if (!(weightDecay >= 0 && Number.isFinite(weightDecay))) {
      throw new TrainerConfigError(
        'weightDecay',
        `weightDecay: expected a finite number >= 0, got ${weightDecay}`,
      );
    }
    checkTrainable('SGD', params);
    this.weightDecay = weightDecay;
    this.loraplusLrRatio = resolveLoraplusRatio(options);
    this.params = params;
    this.groups = packParameters(params, { lrScale: loraplusLrScale(this.loraplusLrRatio) });
  }

  get stepCount(): number {
    return this.#step;
  }

  /** No state: 0 bytes. */
  stateBytes(): number {
    return 0;
  }

  step(lr: number, gradScale?: F32): void {
    this.#step += 1;
    const sgd = kernel('sgd');
    for (const group of this.groups) {
      sgd({
        param: group.data,
        grad: group.grad,
        lr: lr * group.lrScale,
        weightDecay: group.decay ? this.weightDecay : 0,
        n: group.size,
        ...(gradScale ? { gradScale } : {}),
      });
    }
  }

  async saveState(): Promise<OptimizerStateFile> {
    return {
      tensors: {},
      metadata: {
        optimizer: this.name,
        step: String(this.#step),
        momentum: '0',
        weight_decay: String(this.weightDecay),
        ...loraplusMetadata(this.loraplusLrRatio),
      },
    };
  }

  loadState(step: number, tensors: SavedOptimizerTensors, path: string): void {
    if (tensors.size > 0) {
      throw new CheckpointError(
        path,
        `${path}: expected no state tensors for SGD (momentum 0), got ${[...tensors.keys()].slice(0, 3).join(', ')}`,
      );
    }
    if (!Number.isInteger(step) || step < 0)
      throw new CheckpointError(path, `${path}: step: expected an integer >= 0, got ${step}`);
    this.#step = step;
  }
}
