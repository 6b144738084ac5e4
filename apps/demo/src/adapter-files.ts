// The trained adapter as PEFT's two files, in memory: adapter_config.json (@lora/peft adapterConfigJson, the text
// PeftModel.save_pretrained writes) and adapter_model.safetensors (@lora/peft adapterStateDict — PEFT's tensor names,
// modules_to_save included — laid out by @lora/safetensors serializeSafetensors with {"format": "pt"}), the same
// bytes @lora/peft saveAdapter writes to a folder, which needs Node. They go into a checkpoint folder (FolderWriter) or
// to the page as downloads.
import { toHost } from '@lora/core';
import {
  ADAPTER_CONFIG_NAME,
  ADAPTER_WEIGHTS_NAME,
  adapterConfigJson,
  adapterStateDict,
  type LoraModel,
} from '@lora/peft';
import { serializeSafetensors, type TensorInput } from '@lora/safetensors/browser';
import type { FolderWriter } from '@lora/sft';

export interface AdapterFiles {
  config: string;
  weights: Uint8Array;
}

export const ADAPTER_FILE_NAMES = { config: ADAPTER_CONFIG_NAME, weights: ADAPTER_WEIGHTS_NAME } as const;

/** Both files of `lora`'s adapter; `baseModel` is written as base_model_name_or_path. */
export async function adapterFiles(lora: LoraModel, baseModel: string): Promise<AdapterFiles> {
  const tensors: Record<string, TensorInput> = {};
  for (const [key, p] of adapterStateDict(lora))
    tensors[key] = { dtype: 'F32', shape: p.shape, data: await toHost(p.data) };
  return {
    config: adapterConfigJson({ ...lora.config, base_model_name_or_path: baseModel }),
    weights: serializeSafetensors(tensors, { format: 'pt' }),
  };
}

/** The Trainer's saveAdapter: the two files into each checkpoint folder. */
export function saveAdapterInto(lora: LoraModel, baseModel: string): (folder: FolderWriter) => Promise<void> {
  return async (folder) => {
    const files = await adapterFiles(lora, baseModel);
    await folder.writeFile(ADAPTER_WEIGHTS_NAME, files.weights);
    await folder.writeFile(ADAPTER_CONFIG_NAME, files.config);
  };
}
