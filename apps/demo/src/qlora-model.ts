// QLoRA on the in-memory base: every linear quantized to NF4 with double quantization while the model is built
// (@lora/models + @lora/quant-nf4, bitsandbytes' scheme; embeddings stay dense), then LoRA on all of them (@lora/peft).
import { CausalLM } from '@lora/models';
import { injectLora, type LoraModel, loraConfig } from '@lora/peft';
import { Nf4Linear, quantizedBytes } from '@lora/quant-nf4';
import type { TinyQwen2 } from './tiny-qwen2.js';

export interface LoraSettings {
  r: number;
  alpha: number;
  dropout: number;
  seed: number;
}

/**
 * Rank 16 on every linear, no dropout, alpha 128 (scale 8); the CLI's embedded default uses rank 8, alpha 16. On this
 * random-weights base and the topic task in 180 steps, rank 8 (lr 3e-3) reached 33/48 and 25/48 held out (model seeds
 * 1 and 4); rank 16 (lr 2e-3) reaches 41–45/48 over model seeds 1–5 (measured in Node; see README).
 */
export const DEMO_LORA: LoraSettings = { r: 16, alpha: 128, dropout: 0, seed: 0 };

export interface QloraModel {
  model: CausalLM;
  lora: LoraModel;
  /** print_trainable_parameters' line */
  trainableLine: string;
  /** linears held in 4 bits */
  quantizedLinears: number;
  /** float32 bytes of those linears' weights, and their 4-bit bytes (codes + statistics) */
  denseLinearBytes: number;
  quantizedLinearBytes: number;
}

export function buildQloraModel(base: TinyQwen2, settings: LoraSettings = DEMO_LORA): QloraModel {
  const model = CausalLM.fromWeights(base.config, (name) => base.tensors.get(name), {
    quantize: { quantType: 'nf4', doubleQuant: true },
    source: 'demo base',
  });
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
    task_type: 'CAUSAL_LM',
  });
  const lora = injectLora(model, config, { seed: settings.seed });
  return {
    model,
    lora,
    trainableLine: lora.trainableParameterCount().line,
    quantizedLinears,
    denseLinearBytes,
    quantizedLinearBytes,
  };
}
