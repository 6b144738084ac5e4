// The CLI's options as @lora/sft's TrainingConfig, LoRA as PEFT's LoraConfig, and the memory prediction.
import type { CausalLM } from '@lora/models';
import { injectLora, type LoraModel, loraConfig } from '@lora/peft';
import { planMemory, type TrainingConfig } from '@lora/sft';
import type { Options } from './options.js';
import type { QuantChoice } from './session.js';

export function trainingConfig(
  options: Options,
  o: { outputDir: string; padTokenId: number; evalSteps: number | undefined },
): TrainingConfig {
  const maxSteps = options.number('max_steps');
  const saveTotalLimit = options.number('save_total_limit');
  return {
    outputDir: o.outputDir,
    padTokenId: o.padTokenId,
    learningRate: options.number('lr')!,
    epochs: options.number('epochs')!,
    ...(maxSteps !== undefined && { maxSteps }),
    batchSize: options.number('batch_size')!,
    gradientAccumulationSteps: options.number('grad_accum')!,
    lrSchedulerType: options.string('lr_scheduler') as TrainingConfig['lrSchedulerType'],
    warmupSteps: options.number('warmup_steps') ?? 0,
    warmupRatio: options.number('warmup_ratio') ?? 0,
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
  const config = loraConfig({
    r: options.number('lora_r')!,
    lora_alpha: options.number('lora_alpha')!,
    lora_dropout: options.number('lora_dropout')!,
    target_modules: targets.length === 1 && targets[0] === 'all-linear' ? 'all-linear' : targets,
    use_rslora: options.bool('use_rslora'),
    use_dora: options.bool('use_dora'),
    fan_in_fan_out: model.config.architecture === 'gpt2',
    base_model_name_or_path: modelDir,
    task_type: 'CAUSAL_LM',
  });
  return injectLora(model, config, {
    seed: options.number('seed') ?? 42,
    modelType: model.config.architecture,
  });
}

/** @lora/sft's planMemory for Llama-style models (undefined for GPT-2, whose projections it does not know). */
export function predictMemory(model: CausalLM, options: Options, seqLen: number): number | undefined {
  const c = model.config;
  if (c.architecture === 'gpt2') return undefined;
  const targets = options.list('target_modules') ?? ['all-linear'];
  try {
    return planMemory({
      config: c,
      quant: options.string('quant') as QuantChoice,
      doubleQuant: options.bool('double_quant'),
      loraRank: options.number('lora_r')!,
      targetModules: targets[0] === 'all-linear' ? 'all-linear' : targets,
      batchSize: options.number('batch_size')!,
      seqLen,
      gradientCheckpointing: options.bool('gradient_checkpointing'),
      vocabChunk: model.vocabChunk,
      loraDropout: options.number('lora_dropout'),
    }).total;
  } catch {
    return undefined; // targets outside the planner's list (e.g. custom module names)
  }
}
