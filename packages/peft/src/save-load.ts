// Save and load adapters exactly in PEFT's format (PeftModel.save_pretrained / from_pretrained): adapter_config.json
// and adapter_model.safetensors (metadata {"format": "pt"}), each written atomically. Loading checks every key and
// shape against the model before touching it, and reports every mismatch by key.
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LinearContainer, Parameter } from '@lora/core';
import { uniformStream } from '@lora/core';
import { SafetensorsFile, type TensorInputs, writeSafetensors } from '@lora/safetensors';
import { ADAPTER_CONFIG_NAME, readAdapterConfig, writeAdapterConfig } from './config-json.js';
import { convertToLora } from './convert-to-lora.js';
import { AdapterFormatError, AdapterMismatchError } from './errors.js';
import { type InjectOptions, injectPlanned, type LoraModel, modelParameters } from './lora-model.js';
import { checkAdapterTensors, expectedAdapterTensors, selectExtraTrainable } from './state-dict.js';
import { adapterDefaultsOf, planTargets } from './targets.js';
import { blocksOf, readTensor, tensorShape, writeTensor } from './tensor-blocks.js';

/** The weights file of a PEFT adapter (PEFT's `SAFETENSORS_WEIGHTS_NAME`). */
export const ADAPTER_WEIGHTS_NAME = 'adapter_model.safetensors';

/** The adapter's tensors by PEFT key (live parameter data, not copies), in model order. */
export function adapterStateDict(lm: LoraModel): Map<string, Parameter> {
  const out = new Map<string, Parameter>();
  for (const layer of lm.layers.values()) {
    for (const p of layer.adapterParameters()) out.set(p.name, p);
  }
  for (const [key, p] of lm.extraTrainable) out.set(key, p);
  return out;
}

/** Options of `saveAdapter`. */
export interface SaveAdapterOptions {
  /** written as base_model_name_or_path (default: the config's own) */
  baseModelNameOrPath?: string;
  /**
   * for a PiSSA/OLoRA adapter: save it as a rank-2R plain LoRA that applies to the original base (PEFT's
   * path_initial_model_for_weight_conversion); without it the adapter needs the residual base it was trained on
   */
  convertToLora?: boolean;
}

/**
 * Writes adapter_config.json and adapter_model.safetensors into `dir` (created if needed). A PiSSA/OLoRA adapter is
 * saved as trained (init_lora_weights "pissa"/"olora": it needs the residual base) unless `convertToLora`.
 */
export async function saveAdapter(
  dir: string,
  lm: LoraModel,
  options: SaveAdapterOptions = {},
): Promise<void> {
  const converted = options.convertToLora ? await convertToLora(lm) : undefined;
  await mkdir(dir, { recursive: true });
  const tensors: Record<string, TensorInputs[string]> = {};
  if (converted) for (const [key, t] of converted.tensors) tensors[key] = { dtype: 'F32', ...t };
  else {
    const params = modelParameters(lm.model);
    for (const [key, p] of adapterStateDict(lm)) {
      // streamed, no copy (a tensor split into row blocks is joined)
      tensors[key] = { dtype: 'F32', shape: tensorShape(p), data: await readTensor(blocksOf(p, params)) };
    }
  }
  await writeSafetensors(join(dir, ADAPTER_WEIGHTS_NAME), tensors, { format: 'pt' });
  const config = {
    ...(converted?.config ?? lm.config),
    base_model_name_or_path: options.baseModelNameOrPath ?? lm.config.base_model_name_or_path,
  };
  await writeAdapterConfig(join(dir, ADAPTER_CONFIG_NAME), config);
}

/** A NaN or ±Infinity in an adapter would only surface as a non-finite loss or output: refuse it by file and key. */
function checkFiniteTensor(data: Float32Array, file: string, key: string): void {
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i]!)) continue;
    let count = 0;
    for (let j = i; j < data.length; j++) if (!Number.isFinite(data[j]!)) count++;
    throw new AdapterFormatError(
      `${file}: tensor "${key}": expected finite values, got ${count} non-finite of ${data.length} (first: element ${i} is ${data[i]})`,
    );
  }
}

const describe = (v: unknown): string =>
  v === null
    ? 'null'
    : typeof v === 'string'
      ? JSON.stringify(v)
      : typeof v === 'object'
        ? 'an object'
        : typeof v;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Options of `loadAdapter`: injection options, and whether the adapter trains further. */
export interface LoadAdapterOptions extends InjectOptions {
  /** PEFT's is_trainable: false (default) loads the adapter frozen (inference_mode), true to train it further */
  isTrainable?: boolean;
}

/**
 * PeftModel.from_pretrained for LoRA: reads `dir`, checks the adapter against `model` (every key, shape and rank),
 * then injects it. On any error the model is left untouched.
 */
export async function loadAdapter(
  dir: string,
  model: LinearContainer,
  options: LoadAdapterOptions = {},
): Promise<LoraModel> {
  if (typeof dir !== 'string' || dir === '') {
    throw new AdapterFormatError(`loadAdapter: dir: expected an adapter folder path, got ${describe(dir)}`);
  }
  if (typeof model?.linearModules !== 'function') {
    throw new AdapterFormatError(
      `loadAdapter: model: expected a model with linearModules(), got ${describe(model)}`,
    );
  }
  const configPath = join(dir, ADAPTER_CONFIG_NAME);
  const weightsPath = join(dir, ADAPTER_WEIGHTS_NAME);
  const config = {
    ...(await readAdapterConfig(configPath)),
    inference_mode: !(options.isTrainable ?? false),
  };
  if (!(await exists(weightsPath))) {
    const bin = (await exists(join(dir, 'adapter_model.bin')))
      ? ' (adapter_model.bin is a pickle, which is not read here; re-save with safetensors)'
      : '';
    throw new AdapterFormatError(`${weightsPath}: expected the adapter weights, got no such file${bin}`);
  }
  const linears = model.linearModules();
  const plan = planTargets([...linears.keys()], config, { defaults: adapterDefaultsOf(model), ...options });
  const targets = new Map(plan.targets.map((t) => [t.name, linears.get(t.name)!]));
  const { extra, unmatched } = selectExtraTrainable(modelParameters(model), config, targets, new Set());
  if (unmatched.length > 0) {
    throw new AdapterMismatchError(
      configPath,
      unmatched.map((m) => ({
        kind: 'unknown-module' as const,
        key: m,
        detail: 'modules_to_save names no module of this model',
      })),
    );
  }
  const expected = expectedAdapterTensors(plan, linears, extra);
  const values = new Map<string, Float32Array>();
  let file: SafetensorsFile;
  try {
    file = await SafetensorsFile.open(weightsPath);
  } catch (cause) {
    throw new AdapterFormatError(`${weightsPath}: expected a safetensors file: ${(cause as Error).message}`, {
      cause,
    });
  }
  try {
    const actual = new Map(file.tensorNames().map((n) => [n, file.info(n)]));
    const problems = checkAdapterTensors(expected, actual, [...linears.keys()]);
    if (problems.length > 0) throw new AdapterMismatchError(weightsPath, problems);
    for (const key of expected.keys()) {
      if (!actual.has(key)) continue;
      const data = await file.readF32(key);
      checkFiniteTensor(data, weightsPath, key);
      values.set(key, data);
    }
  } finally {
    await file.close();
  }
  const lm = injectPlanned(model, plan, options.rng ?? uniformStream(options.seed ?? 0));
  const params = adapterStateDict(lm);
  const all = modelParameters(model);
  for (const [key, data] of values) writeTensor(blocksOf(params.get(key)!, all), data);
  return lm;
}
