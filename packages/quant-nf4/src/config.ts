// The `quantization_config` block transformers writes into config.json for a bitsandbytes 4-bit model
// (transformers BitsAndBytesConfig.to_dict()).
import type { QuantType } from './codebooks.js';
import { QuantizationError } from './quantize.js';

/** The 4-bit settings a checkpoint's `quantization_config` records. */
export interface BnbQuantizationConfig {
  quantType: QuantType;
  doubleQuant: boolean;
  computeDtype: 'float32' | 'float16' | 'bfloat16';
  skipModules: string[] | null;
}

/** transformers' `BitsAndBytesConfig` dict for config.json's `quantization_config`. */
export function bnbQuantizationConfig(config: BnbQuantizationConfig): Record<string, unknown> {
  return {
    _load_in_4bit: true,
    _load_in_8bit: false,
    bnb_4bit_compute_dtype: config.computeDtype,
    bnb_4bit_quant_storage: 'uint8',
    bnb_4bit_quant_type: config.quantType,
    bnb_4bit_use_double_quant: config.doubleQuant,
    llm_int8_enable_fp32_cpu_offload: false,
    llm_int8_has_fp16_weight: false,
    llm_int8_skip_modules: config.skipModules,
    llm_int8_threshold: 6.0,
    load_in_4bit: true,
    load_in_8bit: false,
    quant_method: 'bitsandbytes',
  };
}

/** Read a config.json `quantization_config`; undefined when the model is not quantized. */
export function parseBnbQuantizationConfig(raw: unknown, source = 'config.json'): BnbQuantizationConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object') throw new QuantizationError(`${source}: quantization_config expected an object, got ${typeof raw}`);
  const q = raw as Record<string, unknown>;
  if (q.quant_method !== 'bitsandbytes') {
    throw new QuantizationError(`${source}: quantization_config.quant_method expected "bitsandbytes", got ${JSON.stringify(q.quant_method)}`);
  }
  if (q.load_in_4bit !== true) {
    throw new QuantizationError(`${source}: only 4-bit bitsandbytes checkpoints are supported: expected load_in_4bit true, got ${JSON.stringify(q.load_in_4bit)}`);
  }
  const quantType = q.bnb_4bit_quant_type ?? 'fp4';
  if (quantType !== 'nf4' && quantType !== 'fp4') {
    throw new QuantizationError(`${source}: bnb_4bit_quant_type expected nf4 or fp4, got ${JSON.stringify(quantType)}`);
  }
  const storage = q.bnb_4bit_quant_storage ?? 'uint8';
  if (storage !== 'uint8') throw new QuantizationError(`${source}: bnb_4bit_quant_storage expected uint8, got ${JSON.stringify(storage)}`);
  const computeDtype = String(q.bnb_4bit_compute_dtype ?? 'float32');
  if (computeDtype !== 'float32' && computeDtype !== 'float16' && computeDtype !== 'bfloat16') {
    throw new QuantizationError(`${source}: bnb_4bit_compute_dtype expected float32, float16 or bfloat16, got ${JSON.stringify(computeDtype)}`);
  }
  return {
    quantType,
    doubleQuant: q.bnb_4bit_use_double_quant === true,
    computeDtype,
    skipModules: Array.isArray(q.llm_int8_skip_modules) ? (q.llm_int8_skip_modules as string[]) : null,
  };
}
