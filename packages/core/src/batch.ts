// The batch contract between data and models (transformers' input_ids / labels / attention_mask / position_ids,
// ForCausalLMLoss): declared once here so @lora/models, @lora/sft and the apps agree on it.

/**
 * A (B, T) token batch in the transformers convention: labels aligned with inputIds (the model shifts them inside
 * the loss), −100 = not a label.
 */
export interface TokenBatch {
  /** (B, T) */
  inputIds: Int32Array;
  /** (B, T) aligned with inputIds: the token at t is predicted from positions < t; −100 = not a label */
  labels: Int32Array;
  /** (B, T) 1 = real token, 0 = padding (left or right); absent = every token is real */
  attentionMask?: Uint8Array;
  /**
   * (B, T) packed sequences (TRL padding_free, transformers DataCollatorWithFlattening): each real token's position
   * within its own example, restarting at 0 where a new packed example begins. When given, positions (RoPE, GPT-2's
   * learned table) come from here instead of the attention mask, attention stays inside each example (a
   * block-diagonal causal mask) and no label is predicted across an example boundary. Each row's real tokens must
   * count 0, 1, 2, … and may only restart at 0; values on padding are ignored. Absent = one sequence per row,
   * positions counted from the attention mask. Training and scoring only: KV-cache decoding takes none.
   */
  positionIds?: Int32Array;
  batch: number;
  seqLen: number;
}

/** How one model step runs. */
export interface StepOptions {
  /** training mode: dropout (LoRA) and NEFTune noise apply */
  training: boolean;
  /** run the backward pass too, accumulating d(lossScale · lossSum)/dθ into each trainable parameter's `grad` */
  backward: boolean;
  /** gradients are of lossScale · lossSum (e.g. 1 / label tokens of the whole accumulated batch); 1 by default */
  lossScale?: number;
  /** uniform [0, 1): dropout masks and NEFTune noise (the trainer passes its seeded, checkpointed generator) */
  rng?: () => number;
  /** keep only each decoder layer's input and recompute its forward during backward */
  gradientCheckpointing?: boolean;
  /** NEFTune alpha: U(−α/√(T·C), α/√(T·C)) noise on the token embeddings in training (TRL) */
  neftuneNoiseAlpha?: number;
}

/** What one step reports: summed token loss, for normalising across accumulated micro-batches. */
export interface StepResult {
  /** Σ −log p(label) over the label tokens, in nats */
  lossSum: number;
  /** label tokens counted (labels other than −100 after the shift) */
  tokens: number;
  /** of those, tokens whose argmax prediction is the label */
  correct: number;
}
