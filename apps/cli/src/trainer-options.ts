// The CLI's options as @lora/sft's TrainingConfig, and LoRA as PEFT's LoraConfig.
import type { CausalLM } from '@lora/models';
import { injectLora, type LoraModel, loraConfig } from '@lora/peft';
import type { TrainingConfig } from '@lora/sft';
import { sftOptimizer } from './optimizer-names.js';
import type { Options } from './options.js';

export function trainingConfig(
  options: Options,
  o: { padTokenId: number; evalSteps: number | undefined },
): TrainingConfig {
  const maxSteps = options.number('max_steps');
  const saveTotalLimit = options.number('save_total_limit');
  return {
    padTokenId: o.padTokenId,
    learningRate: options.number('lr')!,
    epochs: options.number('epochs')!,
    ...(maxSteps !== undefined && { maxSteps }),
    batchSize: options.number('batch_size')!,
    gradientAccumulationSteps: options.number('grad_accum')!,
    lrSchedulerType: options.string('lr_scheduler') as TrainingConfig['lrSchedulerType'],
    warmupSteps: options.number('warmup_steps') ?? 0,
    warmupRatio: options.number('warmup_ratio') ?? 0,
    optim: sftOptimizer(options.string('optim')!),
    weightDecay: options.number('weight_decay')!,
    maxGradNorm: options.number('max_grad_norm')!,
    seed: options.number('seed')!,
    shuffle: options.bool('shuffle'),
    loggingSteps: options.number('logging_steps')!,
    ...(o.evalSteps !== undefined && { evalSteps: o.evalSteps }),
    saveSteps: options.number('save_steps')!,
    ...(saveTotalLimit !== undefined && { saveTotalLimit }),
    resume: options.bool('resume'),
    gradientCheckpointing: options.bool('gradient_checkpointing'),
  };
}

/** A fresh LoRA adapter on `model` from --lora-* and --target-modules (GPT-2's Conv1D: fan_in_fan_out). */
export function injectFromOptions(model: CausalLM, options: Options, modelDir: string): LoraModel {
  const targets = options.list('target_modules') ?? ['all-linear'];
  const modulesToSave = options.list('modules_to_save');
  const config = loraConfig({
    ...(modulesToSave !== undefined && modulesToSave.length > 0 && { modules_to_save: modulesToSave }),
    r: options.number('lora_r')!,
    lora_alpha: options.number('lora_alpha')!,
    lora_dropout: options.number('lora_dropout')!,
    target_modules: targets.length === 1 && targets[0] === 'all-linear' ? 'all-linear' : targets,
    use_rslora: options.bool('use_rslora'),
    use_dora: options.bool('use_dora'),
    fan_in_fan_out: model.adapterDefaults.fanInFanOut,
    base_model_name_or_path: modelDir,
    task_type: 'CAUSAL_LM',
  });
  return injectLora(model, config, { seed: options.number('seed') ?? 42 });
}
