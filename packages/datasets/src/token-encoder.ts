// The tokenizer surface @lora/datasets needs; @lora/tokenize's Tokenizer satisfies it.

/** The tokenizer surface `@lora/datasets` needs; `@lora/tokenize`'s `Tokenizer` satisfies it. */
export interface TokenEncoder {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  /** token texts, used by chat templates and the end-of-turn check when present */
  readonly bosToken?: string | undefined;
  readonly eosToken?: string | undefined;
  readonly padToken?: string | undefined;
  /** number of tokens; with idToToken, pre-tokenized examples are checked against the vocabulary */
  readonly vocabSize?: number;
  /** the token of an id, undefined for an id outside the vocabulary */
  idToToken?(id: number): string | undefined;
}
