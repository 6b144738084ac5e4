// QLoRA on the loaded base: every linear quantized to NF4 with double quantization while the model is built
// (@lora/models + @lora/quant-nf4, bitsandbytes' scheme; embeddings stay dense), then LoRA on all of them and the
// modules trained in full (@lora/peft, PEFT's modules_to_save).
import type { CausalLM } from '@lora/models';
import { injectLora, type LoraModel, loraConfig } from '@lora/peft';
import { Nf4Linear, quantizedBytes } from '@lora/quant-nf4';
import { buildModel, type HfFolder } from './hf-folder.js';
import type { LoraSettings } from './run-settings.js';

export interface QloraModel {
  model: CausalLM;
  lora: LoraModel;
  /** print_trainable_parameters' line */
  trainableLine: string;
  trainable: number;
  /** linears held in 4 bits */
  quantizedLinears: number;
  /** float32 bytes of those linears' weights, and their 4-bit bytes (codes + statistics) */
  denseLinearBytes: number;
  quantizedLinearBytes: number;
}

export function buildQloraModel(base: HfFolder, settings: LoraSettings, baseModel: string): QloraModel {
  const model = buildModel(base, { quantType: 'nf4', doubleQuant: true });
  let quantizedLinears = 0;
  let denseLinearBytes = 0;
  let quantizedLinearBytes = 0;
  for (const linear of model.linearModules().values()) {
    if (!(linear instanceof Nf4Linear)) continue;
    quantizedLinears += 1;
    denseLinearBytes += linear.inFeatures * linear.outFeatures * 4;
    quantizedLinearBytes += quantizedBytes(linear.weight);
  }
  const config = loraConfig({
    r: settings.r,
    lora_alpha: settings.alpha,
    lora_dropout: settings.dropout,
    target_modules: 'all-linear',
    ...(settings.modulesToSave.length > 0 && { modules_to_save: settings.modulesToSave }),
    fan_in_fan_out: model.adapterDefaults.fanInFanOut, // Conv1D linears (GPT-2's), as PEFT saves them
    base_model_name_or_path: baseModel,
    task_type: 'CAUSAL_LM',
  });
  const lora = injectLora(model, config, { seed: settings.seed });
  const count = lora.trainableParameterCount();
  return {
    model,
    lora,
    trainableLine: count.line,
    trainable: count.trainable,
    quantizedLinears,
    denseLinearBytes,
    quantizedLinearBytes,
  };
}
