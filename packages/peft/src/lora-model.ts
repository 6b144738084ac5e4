// A model with LoRA layers injected (PEFT get_peft_model → PeftModel/LoraModel): the matched linears are wrapped,
// every other parameter is frozen, and the trainable ones are named as PEFT's state dict names them.

import type { LinearContainer, Parameter } from '@lora/core';
import { uniformStream } from '@lora/core';
import { gradOf, LoraScratch } from './buffers.js';
import { type LoraConfig, type LoraInit, validateLoraConfig } from './config.js';
import { LoraConfigError } from './errors.js';
import type { Uniform } from './init.js';
import { LoraLinear } from './lora-linear.js';
import { selectExtraTrainable } from './state-dict.js';
import { adapterDefaultsOf, planTargets, type TargetPlan, type TargetPlanOptions } from './targets.js';
import { blocksOf } from './tensor-blocks.js';

/** Options of `injectLora`: target planning, and the generator of the initial weights. */
export interface InjectOptions extends TargetPlanOptions {
  /** uniform [0, 1) for the initial A and B (shared across layers, in model order); seeded from `seed` by default */
  rng?: Uniform;
  /** seed of the default generator (0 by default) */
  seed?: number;
}

/** A model that may list all its parameters (a CausalLM does); otherwise its linears' parameters are used. */
type MaybeParameters = LinearContainer & { parameters?: () => Parameter[] };

/** Every parameter of the model once, in order. */
export function modelParameters(model: LinearContainer): Parameter[] {
  const m = model as MaybeParameters;
  const list =
    typeof m.parameters === 'function'
      ? m.parameters()
      : [...model.linearModules().values()].flatMap((l) => l.parameters());
  return [...new Set(list)];
}

/** Trainable and all parameters, as PEFT's `print_trainable_parameters` counts them. */
export interface TrainableCount {
  trainable: number;
  all: number;
  /** 100 · trainable / all */
  percent: number;
  /** print_trainable_parameters' line: "trainable params: 1,024 || all params: 9,216 || trainable%: 11.1111" */
  line: string;
}

/** A model with LoRA injected (`injectLora`): its LoRA layers, trainable parameters and config. */
export class LoraModel {
  /** the LoRA layers by Hugging Face module name, in model order */
  readonly layers: ReadonlyMap<string, LoraLinear>;
  /** trainable parameters besides LoRA's (bias, modules_to_save) by PEFT state-dict key */
  readonly extraTrainable: ReadonlyMap<string, Parameter>;

  /** Use injectLora; the constructor wraps already-planned targets. */
  constructor(
    readonly model: LinearContainer,
    /** the config as PEFT stores it after injection (target_modules resolved) */
    readonly config: LoraConfig,
    layers: Map<string, LoraLinear>,
  ) {
    this.layers = layers;
    this.extraTrainable = markTrainable(model, config, layers);
  }

  /** Every parameter of the model (base and adapter) once. */
  parameters(): Parameter[] {
    const all = new Set(modelParameters(this.model));
    for (const layer of this.layers.values()) for (const p of layer.parameters()) all.add(p);
    return [...all];
  }

  trainableParameters(): Parameter[] {
    return this.parameters().filter((p) => p.trainable);
  }

  /**
   * PEFT's get_nb_trainable_parameters / print_trainable_parameters, counting each tensor's logical elements; a
   * 4-bit base weight (not a Parameter) counts out·in, as PEFT counts a Params4bit (numel · 2 · element size).
   */
  trainableParameterCount(): TrainableCount {
    let trainable = 0;
    let all = 0;
    for (const p of this.parameters()) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      all += n;
      if (p.trainable) trainable += n;
    }
    for (const module of this.model.linearModules().values()) {
      const base = module instanceof LoraLinear ? module.base : module;
      const O = base.outFeatures;
      const I = base.inFeatures;
      if (!base.parameters().some((p) => p.shape.length === 2 && p.shape[0] === O && p.shape[1] === I))
        all += O * I;
    }
    const percent = all === 0 ? 0 : (100 * trainable) / all;
    const line = `trainable params: ${thousands(trainable)} || all params: ${thousands(all)} || trainable%: ${fixedHalfEven(percent, 4)}`;
    return { trainable, all, percent, line };
  }

  /** PEFT's disable_adapter / enable_adapter_layers: while disabled every LoRA layer computes its base alone. */
  setAdaptersEnabled(enabled: boolean): void {
    for (const layer of this.layers.values()) layer.enabled = enabled;
  }

  /** Merge every layer into its dense base in place (PEFT merge_adapter). */
  merge(): void {
    for (const layer of this.layers.values()) layer.merge();
  }

  unmerge(): void {
    for (const layer of this.layers.values()) layer.unmerge();
  }
}

/** Freeze everything, then make LoRA trainable (unless inference_mode), then the biases and modules_to_save. */
function markTrainable(
  model: LinearContainer,
  config: LoraConfig,
  layers: Map<string, LoraLinear>,
): Map<string, Parameter> {
  const params = modelParameters(model);
  for (const p of params) setTrainable(p, false);
  const lora = new Set<Parameter>();
  for (const layer of layers.values()) {
    for (const p of layer.adapterParameters()) {
      setTrainable(p, !config.inference_mode);
      lora.add(p);
    }
  }
  const bases = new Map([...layers].map(([name, layer]) => [name, layer.base]));
  const { extra, unmatched } = selectExtraTrainable(params, config, bases, lora);
  if (unmatched.length > 0) {
    throw new LoraConfigError(
      `modules_to_save: expected ${JSON.stringify(unmatched)} to name modules with parameters, got none among ${params.length} parameters`,
    );
  }
  // inference_mode freezes these too; a tensor split into row blocks is trained in every block
  for (const p of extra.values())
    for (const b of blocksOf(p, params)) setTrainable(b, !config.inference_mode);
  return extra;
}

/** Trainable parameters always have a gradient buffer (core's Parameter contract); frozen ones have none. */
function setTrainable(p: Parameter, trainable: boolean): void {
  p.trainable = trainable;
  if (trainable) gradOf(p);
  else p.grad = undefined;
}

/** Python's format(n, ",d"). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Python's format(x, ".{digits}f"): rounds the exact binary value with ties to even (JS toFixed breaks ties up). */
export function fixedHalfEven(x: number, digits: number): string {
  const exact = Math.abs(x).toFixed(100); // the exact decimal expansion of the double
  const dot = exact.indexOf('.');
  if (!/^50*$/.test(exact.slice(dot + 1 + digits))) return x.toFixed(digits);
  const kept = digits === 0 ? exact.slice(0, dot) : exact.slice(0, dot + 1 + digits);
  if (Number(kept[kept.length - 1]) % 2 === 0) return (x < 0 ? '-' : '') + kept;
  return x.toFixed(digits);
}

/** PEFT's get_peft_model for LoRA: wrap the linears `config` selects, freeze the rest, return the LoraModel. */
export function injectLora(
  model: LinearContainer,
  config: LoraConfig,
  options: InjectOptions = {},
): LoraModel {
  validateLoraConfig(config);
  const linears = model.linearModules();
  const plan = planTargets([...linears.keys()], config, { defaults: adapterDefaultsOf(model), ...options });
  return injectPlanned(model, plan, options.rng ?? uniformStream(options.seed ?? 0));
}

/** Wrap the planned targets (the config is already validated against the model). */
export function injectPlanned(model: LinearContainer, plan: TargetPlan, rng: Uniform): LoraModel {
  const linears = model.linearModules();
  const { config } = plan;
  const targets = new Map(plan.targets.map((t) => [t.name, linears.get(t.name)!]));
  const { unmatched } = selectExtraTrainable(modelParameters(model), config, targets, new Set());
  if (unmatched.length > 0) {
    throw new LoraConfigError(
      `modules_to_save: expected ${JSON.stringify(unmatched)} to name modules with parameters, got none in this model`,
    );
  }
  const layers = new Map<string, LoraLinear>();
  const scratch = new LoraScratch(); // one dropout scratch for every layer: each uses it only within a call
  for (const { name, r, alpha, scaling } of plan.targets) {
    const base = linears.get(name)!;
    if (base instanceof LoraLinear)
      throw new LoraConfigError(
        `injectLora: ${name} expected a plain linear, got a LoRA layer (nested adapters are not supported)`,
      );
    const layer = new LoraLinear(base, {
      name,
      r,
      alpha,
      dropout: config.lora_dropout,
      useRslora: config.use_rslora,
      useDora: config.use_dora,
      init: config.init_lora_weights as LoraInit,
      rng,
      scratch,
      ...(scaling !== undefined ? { scaling } : {}),
    });
    layers.set(name, layer);
  }
  for (const [name, layer] of layers) model.replaceLinear(name, layer);
  return new LoraModel(model, config, layers);
}
