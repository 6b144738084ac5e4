// The golden cases shared by scripts/write-golden-checkpoints.ts (which writes their tiny checkpoints and batch for
// fixtures/golden.py) and golden.test.ts (which checks the model against fixtures/golden.json).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CausalLM } from './causal-lm.js';
import type { Architecture, ModelConfig } from './config.js';
import { type TinyCheckpointOptions, tinyCheckpointTensors } from './tiny-checkpoint.js';

export interface GoldenCase {
  name: string;
  architecture: Architecture;
  dtype: NonNullable<TinyCheckpointOptions['dtype']>;
  seed: number;
  /** config.json keys over the architecture's tiny config (writeTinyCheckpoint's overrides) */
  overrides?: Record<string, unknown>;
  /** parameters whose gradients are compared (as if trainable), by Hugging Face name */
  grads: string[];
}

const GRADS: Record<Architecture, string[]> = {
  llama: [
    'model.layers.0.input_layernorm.weight',
    'model.layers.0.self_attn.q_proj.weight',
    'model.layers.1.self_attn.v_proj.weight',
    'model.layers.1.mlp.down_proj.weight',
    'model.norm.weight',
  ],
  qwen2: [
    'model.layers.0.self_attn.k_proj.bias',
    'model.layers.0.self_attn.q_proj.weight',
    'model.layers.1.post_attention_layernorm.weight',
    'model.layers.1.mlp.gate_proj.weight',
    'model.norm.weight',
  ],
  gpt2: [
    'transformer.h.0.ln_1.bias',
    'transformer.h.0.attn.c_attn.weight',
    'transformer.h.1.mlp.c_proj.bias',
    'transformer.ln_f.weight',
  ],
  phi3: [
    'model.layers.0.self_attn.qkv_proj.weight',
    'model.layers.0.mlp.gate_up_proj.weight',
    'model.layers.1.self_attn.o_proj.weight',
    'model.layers.1.mlp.down_proj.weight',
    'model.norm.weight',
  ],
  mistral: [
    'model.layers.0.self_attn.q_proj.weight',
    'model.layers.0.self_attn.k_proj.weight',
    'model.layers.1.self_attn.v_proj.weight',
    'model.layers.1.input_layernorm.weight',
    'lm_head.weight',
  ],
  gemma: [
    'model.embed_tokens.weight',
    'model.layers.0.input_layernorm.weight',
    'model.layers.0.self_attn.k_proj.weight',
    'model.layers.1.mlp.up_proj.weight',
    'model.norm.weight',
  ],
  gemma2: [
    'model.embed_tokens.weight',
    'model.layers.0.self_attn.q_proj.weight',
    'model.layers.0.post_attention_layernorm.weight',
    'model.layers.0.pre_feedforward_layernorm.weight',
    'model.layers.1.self_attn.k_proj.weight',
    'model.layers.1.post_feedforward_layernorm.weight',
    'model.norm.weight',
  ],
};

export const GOLDEN_CASES: GoldenCase[] = (
  ['llama', 'qwen2', 'gpt2', 'gemma', 'mistral', 'phi3', 'gemma2'] as const
)
  .flatMap((architecture, i): GoldenCase[] =>
    (['float32', 'bfloat16'] as const).map((dtype) => ({
      name: `${architecture}-${dtype}`,
      architecture,
      dtype,
      seed: 1000 + i,
      grads: GRADS[architecture],
    })),
  )
  .concat([
    // Qwen2's sliding window: use_sliding_window with max_window_layers 1, so layer 0 attends in full and layer 1
    // through a window of 3 keys, shorter than the batch's rows
    {
      name: 'qwen2-sliding-float32',
      architecture: 'qwen2',
      dtype: 'float32',
      seed: 1101,
      overrides: { use_sliding_window: true, sliding_window: 3, max_window_layers: 1 },
      grads: GRADS.qwen2,
    },
  ]);

/**
 * Short float64 SGD runs on every weight of a case's checkpoint (golden.py train_case): Mistral's window masks,
 * Phi-3's fused projections, Gemma 2's post-norms and soft-capping.
 */
export const GOLDEN_TRAINING: {
  name: string;
  steps: number;
  lr: number;
  /** the final loss is below the first one over this (Gemma 2's logits capped at ±3 learn slower) */
  drop: number;
}[] = [
  { name: 'mistral-float32', steps: 6, lr: 0.3, drop: 5 },
  { name: 'phi3-float32', steps: 6, lr: 0.3, drop: 5 },
  { name: 'gemma2-float32', steps: 6, lr: 0.3, drop: 2 },
];

/** A padded batch (B 2, T 7): row 0 right-padded, row 1 left-padded; pad id 0; prompt tokens masked with −100. */
export const GOLDEN_BATCH = {
  batch: 2,
  seqLen: 7,
  inputIds: [17, 93, 5, 64, 120, 0, 0, 0, 0, 44, 8, 101, 77, 31],
  attentionMask: [1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1],
  labels: [-100, 93, 5, 64, 120, -100, -100, -100, -100, -100, 8, 101, 77, 31],
};

export interface GoldenResult {
  name: string;
  /** sha256 of the model.safetensors the outputs were computed from */
  sha256: string;
  loss_sum: number;
  tokens: number;
  correct: number;
  /** (B, T, V) float32 little-endian, base64 */
  logits_f32_b64: string;
  /** gradients of Σ token NLL in the checkpoint's layout, float32 base64 */
  grads_f32_b64: Record<string, string>;
}

export interface GoldenTraining {
  name: string;
  sha256: string;
  steps: number;
  lr: number;
  /** the mean token loss before each step */
  losses: number[];
  /** after the last step */
  final_loss: number;
}

export interface Golden {
  torch: string;
  batch: typeof GOLDEN_BATCH;
  cases: GoldenResult[];
  training: GoldenTraining[];
}

export function loadGolden(): Golden {
  return JSON.parse(
    readFileSync(fileURLToPath(new URL('../fixtures/golden.json', import.meta.url)), 'utf8'),
  ) as Golden;
}

export function f32FromBase64(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/**
 * A golden case's tiny model in memory, PyTorch's logits for the batch's real tokens (golden.json), and the model's
 * own for any config over the same weights: for tests that switch one mechanism off and see the logits move.
 */
export function goldenLogits(name: string): {
  modelConfig: ModelConfig;
  expected: number[];
  logits: (config: ModelConfig) => Promise<number[]>;
} {
  const c = GOLDEN_CASES.find((x) => x.name === name)!;
  const { tensors, modelConfig } = tinyCheckpointTensors(c.architecture, {
    seed: c.seed,
    dtype: c.dtype,
    overrides: c.overrides,
  });
  const weights = (tensor: string) => (tensors[tensor] as { data: Float32Array }).data;
  const { batch: B, seqLen: T } = GOLDEN_BATCH;
  const ids = Int32Array.from(GOLDEN_BATCH.inputIds);
  const mask = Uint8Array.from(GOLDEN_BATCH.attentionMask);
  const V = modelConfig.vocabSize;
  const real = (x: Float32Array) =>
    Array.from({ length: B * T }, (_, i) => i)
      .filter((i) => mask[i] === 1)
      .flatMap((i) => Array.from(x.subarray(i * V, (i + 1) * V)));
  const bytes = Buffer.from(loadGolden().cases.find((x) => x.name === name)!.logits_f32_b64, 'base64');
  const expected = real(
    new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
  );
  const logits = async (config: ModelConfig) =>
    real(await CausalLM.fromWeights(config, weights).logits(ids, B, T, mask));
  return { modelConfig, expected, logits };
}
