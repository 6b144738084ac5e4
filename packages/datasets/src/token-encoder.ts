// The tokenizer surface @lora/datasets needs; @lora/tokenize's Tokenizer satisfies it.

export interface TokenEncoder {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  /** token texts, used by chat templates and the end-of-turn check when present */
  readonly bosToken?: string | undefined;
  readonly eosToken?: string | undefined;
  readonly padToken?: string | undefined;
}
