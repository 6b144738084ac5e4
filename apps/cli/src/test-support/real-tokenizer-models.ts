// Tiny checkpoints that speak a real model's tokenizer: the tokenizer files of a shared-fixtures folder copied in,
// and a seeded tiny checkpoint whose vocab size, special-token ids and positions are the real model's config.json
// values, with a hidden size small enough that even Qwen2's 151,936-entry embedding stays a few MB.
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Architecture, writeTinyCheckpoint } from '@lora/models';
import { Tokenizer } from '@lora/tokenize';

export interface RealTokenizerFamily {
  architecture: Architecture;
  /** the shared-fixtures folder holding tokenizer.json and tokenizer_config.json */
  tokenizerDir: string;
  /** the real model's config.json in that folder (its vocab size, token ids and positions are taken) */
  configFile: string;
  /** tiny dimensions of the architecture's config.json keys */
  tiny: Record<string, unknown>;
}

/** The three model families of the setups, by the fixture folder of their tokenizer. */
export const REAL_FAMILIES = {
  // Qwen2 / Qwen2.5 share one tokenizer (151,643 BPE entries + 22 added, vocab 151,936 in config.json)
  qwen2: {
    architecture: 'qwen2',
    tokenizerDir: 'qwen2.5-instruct',
    configFile: 'config.qwen2.5-0.5b-instruct.resaved-4.49.json',
    tiny: { hidden_size: 16, intermediate_size: 32, num_attention_heads: 2, num_key_value_heads: 1 },
  },
  // TinyLlama-1.1B-Chat-v1.0: the Llama-2 tokenizer (32,000), <s> 1, </s> 2
  llama: {
    architecture: 'llama',
    tokenizerDir: 'tinyllama-1.1b-chat-v1.0',
    configFile: 'config.json',
    tiny: {
      hidden_size: 16,
      intermediate_size: 32,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      head_dim: 8,
      rope_scaling: null,
    },
  },
  // GPT-2: 50,257 byte-level BPE entries, <|endoftext|> 50256 as BOS and EOS
  gpt2: {
    architecture: 'gpt2',
    tokenizerDir: 'gpt2',
    configFile: 'config.json',
    tiny: { n_embd: 16, n_head: 2, n_inner: null },
  },
} as const satisfies Record<string, RealTokenizerFamily>;

/** config.json keys copied from the real model: the vocabulary, its special ids and the context length. */
const REAL_KEYS = [
  'vocab_size',
  'bos_token_id',
  'eos_token_id',
  'pad_token_id',
  'tie_word_embeddings',
  'max_position_embeddings',
  'n_positions',
  'n_ctx',
  'rope_theta',
  'sliding_window',
] as const;

/**
 * Write `dir`: the real tokenizer files of `family` (from `fixturesDir`) and a seeded tiny checkpoint of its
 * architecture with the real config's vocabulary and token ids. Returns the tokenizer as the CLI loads it.
 */
export async function writeRealTokenizerModel(
  dir: string,
  fixturesDir: string,
  family: RealTokenizerFamily,
): Promise<Tokenizer> {
  const source = join(fixturesDir, family.tokenizerDir);
  const real = JSON.parse(await readFile(join(source, family.configFile), 'utf8')) as Record<string, unknown>;
  const fromReal = Object.fromEntries(REAL_KEYS.filter((k) => k in real).map((k) => [k, real[k]]));
  await writeTinyCheckpoint(dir, family.architecture, {
    seed: 5,
    overrides: { ...fromReal, ...family.tiny },
  });
  // read and written rather than copyFile'd: the fixtures are read-only, and a copy would be too
  for (const file of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'])
    if (existsSync(join(source, file))) await writeFile(join(dir, file), await readFile(join(source, file)));
  const tokenizer = await Tokenizer.fromDir(dir);
  const vocab = fromReal.vocab_size as number;
  if (tokenizer.vocabSize > vocab)
    throw new Error(
      `${source}: expected at most ${vocab} tokens (config.json vocab_size), got ${tokenizer.vocabSize}`,
    );
  return tokenizer;
}
