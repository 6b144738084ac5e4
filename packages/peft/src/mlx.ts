// mlx-lm's adapter format (mlx_lm/tuner/utils.py load_adapters, linear_to_lora_layers; tuner/lora.py LoRALinear,
// tuner/dora.py DoRALinear): adapters.safetensors holds <module>.lora_a (in, R), .lora_b (R, out) and DoRA's .m (out)
// under mlx-lm's module names (GPT-2's "transformer." is "model."); adapter_config.json holds fine_tune_type,
// num_layers (the last n layers) and lora_parameters {rank, scale, dropout, keys (names inside a layer)}.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LinearContainer } from '@lora/core';
import { showValue, toHost, uniformStream, writeHost } from '@lora/core';
import { PyFloat, pythonJsonDumps, writeFileAtomic } from '@lora/files';
import { SafetensorsFile, type TensorInputs, writeSafetensors } from '@lora/safetensors';
import { isBaseInit } from './base-init.js';
import { loraConfig } from './config.js';
import { ADAPTER_CONFIG_NAME } from './config-json.js';
import { AdapterMismatchError, MlxFormatError } from './errors.js';
import { type InjectOptions, injectPlanned, type LoraModel } from './lora-model.js';
import { checkAdapterTensors, type ExpectedTensor } from './state-dict.js';
import { adapterDefaultsOf, planTargets } from './targets.js';

/** The weights file of an mlx-lm adapter. */
export const MLX_ADAPTER_WEIGHTS_NAME = 'adapters.safetensors';

/** Hugging Face module name → mlx-lm's ("transformer.h.0.attn.c_attn" → "model.h.0.attn.c_attn"). */
export function mlxModuleName(hfName: string): string {
  return hfName.startsWith('transformer.') ? `model.${hfName.slice('transformer.'.length)}` : hfName;
}

/** A layered module name split at its first index: "model.layers.3.mlp.up_proj" → model.layers / 3 / mlp.up_proj. */
function splitLayer(name: string): { prefix: string; index: number; key: string } | undefined {
  const m = /^(.+?)\.(\d+)\.(.+)$/.exec(name);
  return m ? { prefix: m[1]!, index: Number(m[2]), key: m[3]! } : undefined;
}

function layerCount(names: readonly string[]): number {
  return Math.max(0, ...names.map((n) => (splitLayer(n)?.index ?? -1) + 1));
}

/** Writes `lm` in mlx-lm's format, or throws MlxFormatError naming what that format cannot hold. */
export async function saveMlxAdapter(dir: string, lm: LoraModel): Promise<void> {
  const fail = (what: string): never => {
    throw new MlxFormatError(`mlx-lm adapter for ${dir}: ${what}`);
  };
  if (lm.config.bias !== 'none')
    fail(
      `bias expected "none" (mlx-lm adapters hold only LoRA matrices), got ${JSON.stringify(lm.config.bias)}`,
    );
  if (lm.extraTrainable.size > 0)
    fail(`modules_to_save expected none, got ${[...lm.extraTrainable.keys()].join(', ')}`);
  if (isBaseInit(lm.config.init_lora_weights))
    fail(
      `init_lora_weights expected an adapter of the original base (mlx-lm has no residual base), got ${JSON.stringify(lm.config.init_lora_weights)}; save it with saveAdapter(dir, lm, { convertToLora: true })`,
    );
  const layers = [...lm.layers.values()];
  if (layers.length === 0) fail('expected at least one LoRA layer, got none');
  const first = layers[0]!;
  for (const l of layers) {
    if (l.r !== first.r)
      fail(
        `one rank for every module expected (mlx-lm has no rank_pattern), got ${first.r} for ${first.name} and ${l.r} for ${l.name}`,
      );
    if (l.scaling !== first.scaling)
      fail(
        `one scale for every module expected, got ${first.scaling} for ${first.name} and ${l.scaling} for ${l.name}`,
      );
  }
  const total = layerCount([...lm.model.linearModules().keys()]);
  const byLayer = new Map<number, Set<string>>();
  const keys = new Set<string>();
  for (const l of layers) {
    const split = splitLayer(l.name);
    if (!split) {
      keys.add(mlxModuleName(l.name)); // a top-level module: mlx-lm matches keys against model.named_modules() too
      continue;
    }
    byLayer.set(split.index, (byLayer.get(split.index) ?? new Set()).add(split.key));
    keys.add(split.key);
  }
  const indices = [...byLayer.keys()].sort((a, b) => a - b);
  const n = indices.length;
  if (n > 0 && (indices[0] !== total - n || indices[n - 1] !== total - 1)) {
    fail(
      `the adapted layers expected to be the last ${n} of ${total} (mlx-lm's num_layers), got layers ${indices.join(', ')}`,
    );
  }
  const layerKeys = [...keys].filter((k) => [...byLayer.values()].some((s) => s.has(k)));
  for (const [i, set] of byLayer) {
    if (set.size !== layerKeys.length)
      fail(
        `the same modules in every adapted layer expected, got ${[...set].join(', ')} in layer ${i} of ${layerKeys.join(', ')}`,
      );
  }
  await mkdir(dir, { recursive: true });
  const tensors: Record<string, TensorInputs[string]> = {};
  for (const l of layers) {
    const name = mlxModuleName(l.name);
    tensors[`${name}.lora_a`] = {
      dtype: 'F32',
      shape: [l.inFeatures, l.r],
      data: transpose(await toHost(l.loraA.data), l.r, l.inFeatures),
    };
    tensors[`${name}.lora_b`] = {
      dtype: 'F32',
      shape: [l.r, l.outFeatures],
      data: transpose(await toHost(l.loraB.data), l.outFeatures, l.r),
    };
    if (l.magnitude)
      tensors[`${name}.m`] = {
        dtype: 'F32',
        shape: [l.outFeatures],
        data: await toHost(l.magnitude.data),
      };
  }
  await writeSafetensors(join(dir, MLX_ADAPTER_WEIGHTS_NAME), tensors, { format: 'mlx' });
  const config: Record<string, unknown> = {
    fine_tune_type: lm.config.use_dora ? 'dora' : 'lora',
    num_layers: n,
    lora_parameters: {
      rank: first.r,
      scale: new PyFloat(first.scaling),
      dropout: new PyFloat(first.dropout),
      keys: [...keys].sort(),
    },
  };
  if (lm.config.base_model_name_or_path !== null) config.model = lm.config.base_model_name_or_path;
  await writeFileAtomic(
    join(dir, ADAPTER_CONFIG_NAME),
    pythonJsonDumps(config, { indent: 4, sortKeys: true }),
  );
}

/** (rows, cols) → (cols, rows) */
function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j]!;
  return t;
}

interface MlxConfig {
  dora: boolean;
  numLayers: number;
  rank: number;
  scale: number;
  dropout: number;
  keys: string[] | undefined;
  model: string | null;
}

function parseMlxConfig(text: string, path: string): MlxConfig {
  const fail = (key: string, expected: string, got: unknown): never => {
    throw new MlxFormatError(`${path}: ${key} expected ${expected}, got ${showValue(got)}`);
  };
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new MlxFormatError(`${path}: expected JSON, got a parse error: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail('the file', 'a JSON object', json);
  const type = json.fine_tune_type ?? 'lora';
  if (type !== 'lora' && type !== 'dora') fail('fine_tune_type', '"lora" or "dora"', type);
  if (!Number.isInteger(json.num_layers)) fail('num_layers', 'an integer', json.num_layers);
  const p = json.lora_parameters as Record<string, unknown> | undefined;
  if (typeof p !== 'object' || p === null) fail('lora_parameters', 'an object', p);
  const { rank, scale, dropout = 0, keys } = p!;
  if (!Number.isInteger(rank) || (rank as number) <= 0)
    fail('lora_parameters.rank', 'a positive integer', rank);
  if (typeof scale !== 'number' || !Number.isFinite(scale))
    fail('lora_parameters.scale', 'a finite number', scale);
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1))
    fail('lora_parameters.dropout', 'a number in [0, 1)', dropout);
  if (keys !== undefined && !(Array.isArray(keys) && keys.every((k) => typeof k === 'string')))
    fail('lora_parameters.keys', 'a list of strings', keys);
  const model = typeof json.model === 'string' ? json.model : null;
  return {
    dora: type === 'dora',
    numLayers: json.num_layers as number,
    rank: rank as number,
    scale: scale as number,
    dropout: dropout as number,
    keys: keys as string[] | undefined,
    model,
  };
}

/** Reads an mlx-lm adapter and injects it into `model` (checked first; the model is untouched on error). */
export async function loadMlxAdapter(
  dir: string,
  model: LinearContainer,
  options: InjectOptions = {},
): Promise<LoraModel> {
  const configPath = join(dir, ADAPTER_CONFIG_NAME);
  const weightsPath = join(dir, MLX_ADAPTER_WEIGHTS_NAME);
  const text = await readFile(configPath, 'utf8').catch((cause: unknown) => {
    throw new MlxFormatError(`${configPath}: cannot read the adapter config: ${(cause as Error).message}`, {
      cause,
    });
  });
  const mc = parseMlxConfig(text, configPath);
  const linears = model.linearModules();
  const names = [...linears.keys()];
  // mlx-lm's default keys (linear_to_lora_layers) come with the model's architecture
  const defaults = options.defaults ?? adapterDefaultsOf(model);
  const keys = mc.keys ?? defaults?.mlxKeys.slice();
  if (!keys)
    throw new MlxFormatError(
      `${configPath}: lora_parameters.keys expected (no mlx-lm default for model type ${JSON.stringify(defaults?.modelType ?? null)}), got none`,
    );
  const total = layerCount(names);
  const from = mc.numLayers > 0 ? Math.max(0, total - mc.numLayers) : 0; // model.layers[-max(num_layers, 0):]
  const targets = names.filter((n) => {
    const s = splitLayer(n);
    return s ? s.index >= from && keys.includes(s.key) : keys.includes(mlxModuleName(n));
  });
  const unused = keys.filter((k) => !targets.some((t) => splitLayer(t)?.key === k || mlxModuleName(t) === k));
  if (unused.length > 0)
    throw new MlxFormatError(
      `${configPath}: lora_parameters.keys expected to name linears of this model, got ${unused.join(', ')} which match none`,
    );
  const config = loraConfig({
    r: mc.rank,
    lora_alpha: mc.scale * mc.rank,
    lora_dropout: mc.dropout,
    use_dora: mc.dora,
    target_modules: targets,
    base_model_name_or_path: mc.model,
  });
  const plan = planTargets(names, config, options);
  for (const t of plan.targets) t.scaling = mc.scale;
  const expected = new Map<string, ExpectedTensor>();
  for (const { name } of plan.targets) {
    const l = linears.get(name)!;
    const m = mlxModuleName(name);
    expected.set(`${m}.lora_a`, {
      shape: [l.inFeatures, mc.rank],
      role: 'lora_A',
      rankDim: 1,
      optional: false,
    });
    expected.set(`${m}.lora_b`, {
      shape: [mc.rank, l.outFeatures],
      role: 'lora_B',
      rankDim: 0,
      optional: false,
    });
    if (mc.dora)
      expected.set(`${m}.m`, { shape: [l.outFeatures], role: 'magnitude', rankDim: -1, optional: false });
  }
  const toHf = new Map(names.map((n) => [mlxModuleName(n), n]));
  const moduleOfKey = (key: string): string => {
    const module = key.slice(0, key.lastIndexOf('.'));
    return toHf.get(module) ?? module;
  };
  const values = new Map<string, Float32Array>();
  const file = await SafetensorsFile.open(weightsPath).catch((cause: unknown) => {
    throw new MlxFormatError(`${weightsPath}: expected a safetensors file: ${(cause as Error).message}`, {
      cause,
    });
  });
  try {
    const actual = new Map(file.tensorNames().map((n) => [n, file.info(n)]));
    const problems = checkAdapterTensors(expected, actual, names, moduleOfKey);
    if (problems.length > 0) throw new AdapterMismatchError(weightsPath, problems);
    for (const key of expected.keys()) values.set(key, await file.readF32(key));
  } finally {
    await file.close();
  }
  const lm = injectPlanned(model, plan, options.rng ?? uniformStream(options.seed ?? 0));
  for (const layer of lm.layers.values()) {
    const m = mlxModuleName(layer.name);
    writeHost(layer.loraA.data, transpose(values.get(`${m}.lora_a`)!, layer.inFeatures, layer.r));
    writeHost(layer.loraB.data, transpose(values.get(`${m}.lora_b`)!, layer.r, layer.outFeatures));
    if (layer.magnitude) writeHost(layer.magnitude.data, values.get(`${m}.m`)!);
  }
  return lm;
}
