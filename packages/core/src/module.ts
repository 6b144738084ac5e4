// The module contract shared by models, peft and quant-nf4: linear layers with forward and backward side by side
// (llm.c style), and named parameters for optimizers and checkpoints. A model exposes its linears by their
// Hugging Face names so adapters can wrap them (PEFT's inject_adapter) without the model knowing about LoRA.

/** A named tensor the optimizer may update. `grad` is allocated when the parameter is trainable. */
export interface Parameter {
  /** Hugging Face name, e.g. "model.layers.0.self_attn.q_proj.lora_A.weight" */
  name: string;
  shape: number[];
  data: Float32Array;
  grad: Float32Array | undefined;
  trainable: boolean;
  /** whether AdamW's weight decay applies (not for biases and norm weights) */
  decay: boolean;
}

/** Per-call state: training mode enables dropout; `rng` makes it reproducible. */
export interface ForwardContext {
  training: boolean;
  /** uniform [0, 1) */
  rng?: () => number;
}

/** What a linear keeps from its forward pass for its backward pass. */
export interface LinearCache {
  /** (T, in) the forward input */
  x: Float32Array;
  rows: number;
  /** module-specific extras (e.g. a LoRA layer's dropout mask and (T, R) intermediate) */
  extra?: unknown;
}

/** y (T, out) = x (T, in) · Wᵀ + b, with its backward. */
export interface LinearModule {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** (T, in) → (T, out); `out` is written when given */
  forward(x: Float32Array, rows: number, ctx: ForwardContext, out?: Float32Array): { out: Float32Array; cache: LinearCache };
  /**
   * dx (T, in) from dy (T, out); accumulates into the `grad` of its trainable parameters.
   * With `dxAccumulate`, dx is added into that buffer (several linears reading one input) and returned.
   */
  backward(dy: Float32Array, cache: LinearCache, dxAccumulate?: Float32Array): Float32Array;
  parameters(): Parameter[];
  /**
   * The effective dense weight (out, in) and bias this linear computes with — dequantized for a 4-bit base —
   * for merging adapters and exporting. A fresh copy; mutating it changes nothing.
   */
  denseWeight?(): { weight: Float32Array; bias: Float32Array | undefined };
}

/** Anything with linears addressable by name (a model, a layer). */
export interface LinearContainer {
  /** every linear by its Hugging Face module name, e.g. "model.layers.0.mlp.down_proj" */
  linearModules(): Map<string, LinearModule>;
  /** swap the linear at `name` (throws for an unknown name) */
  replaceLinear(name: string, module: LinearModule): void;
}
