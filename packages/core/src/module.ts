// The module contract shared by models, peft and quant-nf4: linear layers with forward and backward side by side
// (llm.c style), and named parameters for optimizers and checkpoints. A model exposes its linears by their
// Hugging Face names so adapters can wrap them (PEFT's inject_adapter) without the model knowing about LoRA.
// Every array is a device array (F32) in the memory of the backend the model runs on: see useMemory.
import type { F32 } from './device/arrays.js';
import type { DeviceMemory } from './device/memory.js';

/** A named tensor the optimizer may update. `grad` is allocated when the parameter is trainable. */
export interface Parameter {
  /** Hugging Face name, e.g. "model.layers.0.self_attn.q_proj.lora_A.weight" */
  name: string;
  shape: number[];
  data: F32;
  grad: F32 | undefined;
  trainable: boolean;
  /** whether AdamW's weight decay applies (not for biases and norm weights) */
  decay: boolean;
  /**
   * Set on each row block of a tensor split across arrays because a memory's largest array (a GPU's largest storage
   * binding) holds fewer of its rows: this parameter is rows [rowStart, rowStart + shape[0]) of the tensor `name`,
   * of `rows` rows in all, and the tensor's other blocks are parameters of the same name. Absent: the whole tensor.
   */
  rowBlock?: { rowStart: number; rows: number };
}

/**
 * What tells one parameter from another (the trainer's unique-parameter check, messages): its name, and for a row
 * block of a split tensor the rows it holds, e.g. "model.embed_tokens.weight[0:16384]". Checkpoints and optimizer
 * state do not use it: they save each tensor whole under its name, so a run resumes under any split.
 */
export function parameterKey(p: Parameter): string {
  const block = p.rowBlock;
  return block ? `${p.name}[${block.rowStart}:${block.rowStart + p.shape[0]!}]` : p.name;
}

/** Per-call state: training mode enables dropout; `rng` makes it reproducible (each dropout draws its seed from it). */
export interface ForwardContext {
  training: boolean;
  /** uniform [0, 1) */
  rng?: () => number;
}

/** What a linear keeps from its forward pass for its backward pass. */
export interface LinearCache {
  /** (T, in) the forward input */
  x: F32;
  rows: number;
  /** module-specific extras (e.g. a LoRA layer's dropout mask and (T, R) intermediate) */
  extra?: unknown;
}

/** y (T, out) = x (T, in) · Wᵀ + b, with its backward. */
export interface LinearModule {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** (T, in) → (T, out); `out` is written when given */
  forward(x: F32, rows: number, ctx: ForwardContext, out?: F32): { out: F32; cache: LinearCache };
  /**
   * dx (T, in) from dy (T, out); accumulates into the `grad` of its trainable parameters.
   * With `dxAccumulate`, dx is added into that buffer (several linears reading one input) and returned.
   */
  backward(dy: F32, cache: LinearCache, dxAccumulate?: F32): F32;
  parameters(): Parameter[];
  /**
   * The effective dense weight (out, in) and bias this linear computes with — dequantized for a 4-bit base —
   * for merging adapters and exporting, in the layer's memory. A fresh copy; mutating it changes nothing.
   */
  denseWeight?(): { weight: F32; bias: F32 | undefined };
  /**
   * Moves what the layer holds besides its parameters (a 4-bit weight's codes and scales, scratch buffers) into
   * `memory`; the owner of the parameters moves those (CausalLM.useMemory).
   */
  useMemory?(memory: DeviceMemory): void;
}

/** Anything with linears addressable by name (a model, a layer). */
export interface LinearContainer {
  /** every linear by its Hugging Face module name, e.g. "model.layers.0.mlp.down_proj" */
  linearModules(): Map<string, LinearModule>;
  /** swap the linear at `name` (throws for an unknown name) */
  replaceLinear(name: string, module: LinearModule): void;
}
