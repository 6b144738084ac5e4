// A Hugging Face tokenizer (tokenizer.json + tokenizer_config.json) with transformers' special-token,
// padding and truncation semantics, on top of @huggingface/tokenizers.
import { assembleBatch, type BatchEncoding, type EncodeBatchOptions } from './batch.js';
import { type AddedTokenInfo, buildTokenizerState, type TokenizerState } from './build.js';
import { TokenizationError, TokenizerLoadError } from './errors.js';
import { readJsonFile } from './read-json.js';

/** Options of `Tokenizer.encode`. */
export interface EncodeOptions {
  /** add bos/eos (or whatever the tokenizer's post-processor adds); default true */
  addSpecialTokens?: boolean;
}

/** Options of `Tokenizer.decode`: skip special tokens, clean up tokenization spaces. */
export interface DecodeOptions {
  /** drop special tokens (added tokens marked special, and bos/eos/pad/unk/additional special tokens) */
  skipSpecialTokens?: boolean;
  /** transformers' clean_up_tokenization_spaces; default: tokenizer_config.json's value, else false */
  cleanUpTokenizationSpaces?: boolean;
}

/** A Hugging Face tokenizer from tokenizer.json and tokenizer_config.json, with transformers' special-token rules. */
export class Tokenizer {
  readonly #s: TokenizerState;

  private constructor(state: TokenizerState) {
    this.#s = state;
  }

  /** Reads tokenizer.json (+ tokenizer_config.json, special_tokens_map.json, config.json when present) from a model folder. */
  static async fromDir(dir: string): Promise<Tokenizer> {
    const { join, sep } = await import('node:path');
    const tokenizerJson = await readJsonFile(join(dir, 'tokenizer.json'), false);
    const config = await readJsonFile(join(dir, 'tokenizer_config.json'), true);
    const map = await readJsonFile(join(dir, 'special_tokens_map.json'), true);
    // config.json's model_type names the tokenizer class when tokenizer_config.json does not (gpt2)
    const needsModelType =
      typeof (config as { tokenizer_class?: unknown } | undefined)?.tokenizer_class !== 'string';
    const modelConfig = needsModelType ? await readJsonFile(join(dir, 'config.json'), true) : undefined;
    try {
      return Tokenizer.fromJSON(tokenizerJson, config, map, modelConfig);
    } catch (error) {
      if (!(error instanceof TokenizerLoadError)) throw error;
      throw new TokenizerLoadError(`${dir}${dir.endsWith(sep) ? '' : sep}${error.message}`, { cause: error });
    }
  }

  /** From parsed JSON objects (browser-friendly; no fs). `modelConfig` is config.json, used only for its model_type. */
  static fromJSON(
    tokenizerJson: unknown,
    tokenizerConfig?: unknown,
    specialTokensMap?: unknown,
    modelConfig?: unknown,
  ): Tokenizer {
    return new Tokenizer(buildTokenizerState(tokenizerJson, tokenizerConfig, specialTokensMap, modelConfig));
  }

  /** A copy of this tokenizer whose pad token is `token` (e.g. its eos token) — padding then works. */
  withPadToken(token: string): Tokenizer {
    const id = this.tokenToId(token);
    if (id === undefined) {
      throw new TokenizationError(
        `withPadToken: expected a token of the vocabulary, got ${JSON.stringify(token)}`,
      );
    }
    const specialTokenIds = new Set(this.#s.specialTokenIds).add(id);
    return new Tokenizer({
      ...this.#s,
      special: { ...this.#s.special, pad_token: { token, id } },
      specialTokenIds,
    });
  }

  /** The text's own token ids, without what the post-processor adds. */
  #content(text: unknown, where: string): number[] {
    if (typeof text !== 'string') {
      throw new TokenizationError(`${where}: expected a string, got ${text === null ? 'null' : typeof text}`);
    }
    const { ids, tokens } = this.#s.hf.encode(text, { add_special_tokens: false });
    ids.forEach((id, i) => {
      // a Unigram model without unk_id gives null, a BPE one without unk_token undefined
      if (id === undefined || id === null) {
        throw new TokenizationError(
          `${where}: token ${JSON.stringify(tokens[i])} has no id: expected a vocabulary with an unk_token or byte fallback`,
        );
      }
    });
    return ids as number[];
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = this.#content(text, 'encode: text');
    if (options.addSpecialTokens === false) return ids;
    return [...this.#s.prefix, ...ids, ...this.#s.suffix];
  }

  encodeBatch(texts: string[], options: EncodeBatchOptions = {}): BatchEncoding {
    if (!Array.isArray(texts))
      throw new TokenizationError(`encodeBatch: texts: expected an array of strings, got ${typeof texts}`);
    const special = options.addSpecialTokens !== false;
    const rows = texts.map((text, i) => ({
      prefix: special ? this.#s.prefix : [],
      content: this.#content(text, `encodeBatch: texts[${i}]`),
      suffix: special ? this.#s.suffix : [],
    }));
    return assembleBatch(rows, options, {
      paddingSide: this.#s.paddingSide,
      truncationSide: this.#s.truncationSide,
      modelMaxLength: this.#s.modelMaxLength,
      padTokenId: this.padTokenId,
      padToken: this.padToken,
    });
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (!Array.isArray(ids))
      throw new TokenizationError(`decode: ids: expected an array of token ids, got ${typeof ids}`);
    ids.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0) {
        throw new TokenizationError(`decode: ids[${i}]: expected a non-negative integer token id, got ${String(id)}`);
      }
    });
    // ids the vocabulary lacks are skipped, as Hugging Face tokenizers' decode does: models pad their embedding
    // beyond the tokenizer (Qwen2.5: 151,936 rows for 151,665 tokens) and may generate such ids
    const known = ids.filter((id) => this.#s.hf.id_to_token(id) !== undefined);
    const kept = options.skipSpecialTokens ? known.filter((id) => !this.#s.specialTokenIds.has(id)) : known;
    if (kept.length === 0) return '';
    return this.#s.hf.decode(kept, {
      skip_special_tokens: false,
      clean_up_tokenization_spaces: options.cleanUpTokenizationSpaces ?? this.#s.cleanUpTokenizationSpaces,
    });
  }

  tokenToId(token: string): number | undefined {
    return this.#s.hf.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) ? this.#s.hf.id_to_token(id) : undefined;
  }

  /** number of distinct tokens, added tokens included (transformers' len(tokenizer)) */
  get vocabSize(): number {
    return this.#s.vocabSize;
  }
  get bosTokenId(): number | undefined {
    return this.#s.special.bos_token?.id;
  }
  get bosToken(): string | undefined {
    return this.#s.special.bos_token?.token;
  }
  get eosTokenId(): number | undefined {
    return this.#s.special.eos_token?.id;
  }
  get eosToken(): string | undefined {
    return this.#s.special.eos_token?.token;
  }
  get padTokenId(): number | undefined {
    return this.#s.special.pad_token?.id;
  }
  get padToken(): string | undefined {
    return this.#s.special.pad_token?.token;
  }
  get unkTokenId(): number | undefined {
    return this.#s.special.unk_token?.id;
  }
  get unkToken(): string | undefined {
    return this.#s.special.unk_token?.token;
  }
  get specialTokenIds(): ReadonlySet<number> {
    return this.#s.specialTokenIds;
  }
  get addedTokens(): readonly AddedTokenInfo[] {
    return this.#s.addedTokens;
  }
  /** tokenizer_config.json's chat_template (string, or the named templates list flattened to a record) */
  get chatTemplate(): string | Record<string, string> | undefined {
    return this.#s.chatTemplate;
  }
  /** tokenizer_config.json's model_max_length; undefined when absent or transformers' "no limit" 1e30 */
  get modelMaxLength(): number | undefined {
    return this.#s.modelMaxLength;
  }
  /** the ids encode() puts before / after a text's own tokens when addSpecialTokens is on */
  get specialTokensAround(): { prefix: readonly number[]; suffix: readonly number[] } {
    return { prefix: this.#s.prefix, suffix: this.#s.suffix };
  }
}
