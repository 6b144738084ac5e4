// The CLI's options as @lora/sft's TrainingConfig, and LoRA as PEFT's LoraConfig.
import type { CausalLM } from '@lora/models';
import { injectLora, type LoraConfig, type LoraModel, loraConfig } from '@lora/peft';
import type { TrainingConfig } from '@lora/sft';
import { sftOptimizer } from './optimizer-names.js';
import type { TrainOptions } from './verb-options.js';

export function trainingConfig(
  opts: TrainOptions,
  o: { padTokenId: number; evalSteps: number | undefined },
): TrainingConfig {
  const { max_steps: maxSteps, save_total_limit: saveTotalLimit, loraplus_lr_ratio: loraplusLrRatio } = opts;
  return {
    padTokenId: o.padTokenId,
    learningRate: opts.lr,
    epochs: opts.epochs,
    ...(maxSteps !== undefined && { maxSteps }),
    batchSize: opts.batch_size,
    gradientAccumulationSteps: opts.grad_accum,
    lrSchedulerType: opts.lr_scheduler,
    warmupSteps: opts.warmup_steps ?? 0,
    warmupRatio: opts.warmup_ratio ?? 0,
    optim: sftOptimizer(opts.optim),
    weightDecay: opts.weight_decay,
    ...(loraplusLrRatio !== undefined && { loraplusLrRatio }),
    maxGradNorm: opts.max_grad_norm,
    seed: opts.seed,
    shuffle: opts.shuffle,
    loggingSteps: opts.logging_steps,
    ...(o.evalSteps !== undefined && { evalSteps: o.evalSteps }),
    saveSteps: opts.save_steps,
    ...(saveTotalLimit !== undefined && { saveTotalLimit }),
    resume: opts.resume,
    gradientCheckpointing: opts.gradient_checkpointing,
  };
}

/** --init-lora-weights as PEFT's init_lora_weights: true and false are booleans there, the rest names. */
export function initLoraWeights(value: string): LoraConfig['init_lora_weights'] {
  if (value === 'true' || value === 'false') return value === 'true';
  return value as LoraConfig['init_lora_weights'];
}

/** Whether the adapter is initialised from the base weight (PiSSA, OLoRA): saved converted to a plain LoRA. */
export function readsBaseWeight(value: string): boolean {
  return value === 'olora' || value.startsWith('pissa');
}

/** A fresh LoRA adapter on `model` from --lora-* and --target-modules (GPT-2's Conv1D: fan_in_fan_out). */
export function injectFromOptions(model: CausalLM, opts: TrainOptions, modelDir: string): LoraModel {
  const { target_modules: targets, modules_to_save: modulesToSave } = opts;
  const config = loraConfig({
    ...(modulesToSave !== undefined && modulesToSave.length > 0 && { modules_to_save: modulesToSave }),
    r: opts.lora_r,
    lora_alpha: opts.lora_alpha,
    lora_dropout: opts.lora_dropout,
    target_modules: targets.length === 1 && targets[0] === 'all-linear' ? 'all-linear' : targets,
    use_rslora: opts.use_rslora,
    use_dora: opts.use_dora,
    init_lora_weights: initLoraWeights(opts.init_lora_weights),
    fan_in_fan_out: model.adapterDefaults.fanInFanOut,
    base_model_name_or_path: modelDir,
    task_type: 'CAUSAL_LM',
  });
  return injectLora(model, config, { seed: opts.seed });
}
