// The trainer's optimizer from TrainingConfig.optim: one place that maps each name to its class.
import type { Parameter } from '@lora/core';
import { AdamW, type AdamwOptions } from './adamw.js';
import { AdamW8bit } from './adamw-8bit.js';
import type { Optimizer, OptimizerName } from './optimizer.js';
import { SGD } from './sgd.js';

/**
 * The optimizer `name` over `params` (trainable, with grads, in the memory they train in; they are packed here).
 * `options` are AdamW's; SGD takes only the weight decay and LoRA+'s ratio. Throws TrainerConfigError for a bad option.
 */
export function createOptimizer(
  name: OptimizerName,
  params: readonly Parameter[],
  options: AdamwOptions = {},
): Optimizer {
  switch (name) {
    case 'adamw_torch':
      return new AdamW(params, options);
    case 'sgd':
      return new SGD(params, {
        weightDecay: options.weightDecay ?? 0,
        ...(options.loraplusLrRatio !== undefined ? { loraplusLrRatio: options.loraplusLrRatio } : {}),
      });
    case 'adamw_8bit':
      return new AdamW8bit(params, options);
  }
}
