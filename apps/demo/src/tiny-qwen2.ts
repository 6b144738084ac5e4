// The demo's base model: @lora/models' tiny seeded Qwen2 (the generator behind writeTinyCheckpoint, the one the CLI's
// embedded default writes to disk), kept in memory at the demo's sizes with the trained tokenizer's vocabulary.
import { type ModelConfig, tinyCheckpointTensors } from '@lora/models';

/** A Qwen2 with hidden 64, 2 layers, GQA 4/2: the CLI's DEFAULT_MODEL at two thirds of its width, for the page. */
export const DEMO_MODEL = {
  hidden_size: 64,
  intermediate_size: 128,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  num_hidden_layers: 2,
  max_position_embeddings: 256,
  sliding_window: 256,
  max_window_layers: 2,
} as const;

export interface TinyQwen2Options {
  /** rounded up to a multiple of 8, as the CLI does */
  vocabSize: number;
  bosTokenId: number;
  eosTokenId: number;
  seed: number;
}

export interface TinyQwen2 {
  /** the config.json object */
  raw: Record<string, unknown>;
  config: ModelConfig;
  /** float32 weights by Hugging Face name */
  tensors: Map<string, Float32Array>;
}

/** A seeded tiny Qwen2: the same seed gives the same weights on every platform. */
export function tinyQwen2(o: TinyQwen2Options): TinyQwen2 {
  const made = tinyCheckpointTensors(
    'qwen2',
    {
      seed: o.seed,
      overrides: {
        ...DEMO_MODEL,
        vocab_size: Math.ceil(o.vocabSize / 8) * 8,
        bos_token_id: o.bosTokenId,
        eos_token_id: o.eosTokenId,
      },
    },
    'demo config.json',
  );
  const tensors = new Map<string, Float32Array>();
  for (const [name, t] of Object.entries(made.tensors)) {
    if (!(t.data instanceof Float32Array)) {
      throw new TypeError(`demo base: tensor ${name}: expected float32 data, got ${t.data.constructor.name}`);
    }
    tensors.set(name, t.data);
  }
  return { raw: made.config, config: made.modelConfig, tensors };
}
