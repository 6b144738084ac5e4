// The adapter state dict in PEFT's naming (utils/save_and_load.py get_peft_model_state_dict): keys are the model's
// parameter names under "base_model.model.", LoRA as <module>.lora_A.weight (R, in) / .lora_B.weight (out, R),
// DoRA's magnitude as <module>.lora_magnitude_vector (out), a wrapped layer's bias as <module>.base_layer.bias.
import type { LinearModule, Parameter } from '@lora/core';
import type { LoraConfig } from './config.js';
import type { AdapterProblem } from './errors.js';
import { PEFT_PREFIX } from './lora-linear.js';
import { layerIndexOf, type TargetPlan } from './targets.js';
import { tensorShape } from './tensor-blocks.js';

/** PEFT key of a base parameter: a LoRA-wrapped linear's bias sits under base_layer. */
export function peftKeyOf(p: Parameter, wrapped: ReadonlySet<string>): string {
  const owner = p.name.endsWith('.bias') ? p.name.slice(0, -'.bias'.length) : undefined;
  return owner !== undefined && wrapped.has(owner)
    ? `${PEFT_PREFIX}${owner}.base_layer.bias`
    : `${PEFT_PREFIX}${p.name}`;
}

/**
 * The non-LoRA parameters an adapter trains, by PEFT key: bias "all" → every parameter whose name contains "bias";
 * "lora_only" → the biases of the wrapped linears; modules_to_save → the parameters of modules whose name ends with
 * an entry (PEFT's _set_trainable matching).
 */
export function selectExtraTrainable(
  params: readonly Parameter[],
  config: LoraConfig,
  wrapped: ReadonlyMap<string, LinearModule>,
  exclude: ReadonlySet<Parameter>,
): { extra: Map<string, Parameter>; unmatched: string[] } {
  const names = new Set(wrapped.keys());
  const extra = new Map<string, Parameter>();
  if (config.bias === 'all') {
    for (const p of params) if (p.name.includes('bias') && !exclude.has(p)) extra.set(peftKeyOf(p, names), p);
  } else if (config.bias === 'lora_only') {
    for (const [name, base] of wrapped)
      for (const p of base.parameters()) if (p.name === `${name}.bias`) extra.set(peftKeyOf(p, names), p);
  }
  const unmatched: string[] = [];
  for (const m of config.modules_to_save ?? []) {
    const hits = params.filter((p) => moduleOf(p.name).endsWith(m) && !exclude.has(p));
    if (hits.length === 0) unmatched.push(m);
    // a tensor split into row blocks is its first block here (tensor-blocks.ts finds the others)
    for (const p of hits) if ((p.rowBlock?.rowStart ?? 0) === 0) extra.set(peftKeyOf(p, names), p);
  }
  return { extra, unmatched };
}

function moduleOf(paramName: string): string {
  const dot = paramName.lastIndexOf('.');
  return dot < 0 ? '' : paramName.slice(0, dot);
}

export type TensorRole = 'lora_A' | 'lora_B' | 'magnitude' | 'extra';

export interface ExpectedTensor {
  shape: number[];
  role: TensorRole;
  /** which dim of `shape` is the LoRA rank (-1: none) */
  rankDim: number;
  /** PEFT does not save lora_only biases (its key lookup misses base_layer); accepted when present */
  optional: boolean;
}

/** Every key (and shape) an adapter for `plan` on this model holds. */
export function expectedAdapterTensors(
  plan: TargetPlan,
  linears: ReadonlyMap<string, LinearModule>,
  extra: ReadonlyMap<string, Parameter>,
): Map<string, ExpectedTensor> {
  const out = new Map<string, ExpectedTensor>();
  for (const { name, r } of plan.targets) {
    const l = linears.get(name)!;
    out.set(`${PEFT_PREFIX}${name}.lora_A.weight`, {
      shape: [r, l.inFeatures],
      role: 'lora_A',
      rankDim: 0,
      optional: false,
    });
    out.set(`${PEFT_PREFIX}${name}.lora_B.weight`, {
      shape: [l.outFeatures, r],
      role: 'lora_B',
      rankDim: 1,
      optional: false,
    });
    if (plan.config.use_dora) {
      out.set(`${PEFT_PREFIX}${name}.lora_magnitude_vector`, {
        shape: [l.outFeatures],
        role: 'magnitude',
        rankDim: -1,
        optional: false,
      });
    }
  }
  for (const [key, p] of extra) {
    const optional = plan.config.bias === 'lora_only' && key.endsWith('.base_layer.bias');
    out.set(key, { shape: tensorShape(p), role: 'extra', rankDim: -1, optional });
  }
  return out;
}

const READABLE = new Set(['F16', 'BF16', 'F32', 'F64']);
const SUFFIXES = ['.lora_A.weight', '.lora_B.weight', '.lora_magnitude_vector', '.base_layer.bias'];

/** The Hugging Face module a PEFT key belongs to, or undefined when the key is not under base_model.model. */
export function peftModuleOfKey(key: string): string | undefined {
  if (!key.startsWith(PEFT_PREFIX)) return undefined;
  const suffix = SUFFIXES.find((s) => key.endsWith(s));
  return suffix
    ? key.slice(PEFT_PREFIX.length, -suffix.length)
    : key.slice(PEFT_PREFIX.length, key.lastIndexOf('.'));
}

/** Compares the tensors of an adapter file with what the model expects; every mismatch is reported by key. */
export function checkAdapterTensors(
  expected: ReadonlyMap<string, ExpectedTensor>,
  actual: ReadonlyMap<string, { shape: readonly number[]; dtype: string }>,
  linearNames: readonly string[],
  moduleOfKey: (key: string) => string | undefined = peftModuleOfKey,
): AdapterProblem[] {
  const problems: AdapterProblem[] = [];
  const linears = new Set(linearNames);
  const layerCount = Math.max(0, ...linearNames.map((n) => (layerIndexOf(n, null) ?? -1) + 1));
  const show = (s: readonly number[]) => `[${s.join(', ')}]`;
  for (const [key, info] of actual) {
    const want = expected.get(key);
    if (want) {
      if (!READABLE.has(info.dtype))
        problems.push({
          kind: 'wrong-dtype',
          key,
          detail: `expected F32, F16, BF16 or F64, got ${info.dtype}`,
        });
      const same = want.shape.length === info.shape.length && want.shape.every((d, i) => d === info.shape[i]);
      if (same) continue;
      const { rankDim } = want;
      const otherSame =
        info.shape.length === want.shape.length &&
        want.shape.every((d, i) => i === rankDim || d === info.shape[i]);
      if (rankDim >= 0 && otherSame) {
        problems.push({
          kind: 'wrong-rank',
          key,
          detail: `expected rank ${want.shape[rankDim]} (shape ${show(want.shape)}), got rank ${info.shape[rankDim]} (shape ${show(info.shape)})`,
        });
      } else {
        problems.push({
          kind: 'wrong-shape',
          key,
          detail: `expected shape ${show(want.shape)}, got ${show(info.shape)}`,
        });
      }
      continue;
    }
    const module = moduleOfKey(key);
    if (module === undefined) {
      problems.push({
        kind: 'unexpected-key',
        key,
        detail: 'expected a key in the adapter format (PEFT: under "base_model.model.")',
      });
      continue;
    }
    const index = layerIndexOf(module, null);
    if (linears.has(module)) {
      problems.push({
        kind: 'unexpected-key',
        key,
        detail: `${module} is a linear of this model, but the adapter config does not select it (target_modules, bias, modules_to_save)`,
      });
    } else if (index !== undefined && index >= layerCount) {
      problems.push({
        kind: 'layer-out-of-range',
        key,
        detail: `layer index ${index}, but the model has ${layerCount} layers (0..${layerCount - 1})`,
      });
    } else {
      problems.push({
        kind: 'unknown-module',
        key,
        detail: `expected a module of this model, got ${JSON.stringify(module)} which it does not have`,
      });
    }
  }
  for (const [key, want] of expected) {
    if (!want.optional && !actual.has(key))
      problems.push({
        kind: 'missing-key',
        key,
        detail: `expected a ${want.role} tensor of shape ${show(want.shape)}, got none`,
      });
  }
  return problems;
}
