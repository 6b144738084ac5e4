// What generation starts from and stops at, for a conversation in a chat format: the prompt ids (rendered with the
// assistant header, BOS as training added it) and the ids that end an answer. The CLI and the web app both use it.
import type { ChatFormat, ChatMessage } from '@lora/chatml';
import type { TokenEncoder } from './token-encoder.js';

/** Prompt ids of a conversation ending with the assistant header; BOS as training added it. */
export function promptIds(
  encoder: TokenEncoder,
  format: ChatFormat,
  messages: readonly ChatMessage[],
): number[] {
  const rendered = format.render(messages, {
    addGenerationPrompt: true,
    ...(encoder.bosToken && { bosToken: encoder.bosToken }),
    ...(encoder.eosToken && { eosToken: encoder.eosToken }),
  });
  const ids = encoder.encode(rendered.text, { addSpecialTokens: false });
  const bos = encoder.bosTokenId;
  const addsBos = bos !== undefined && encoder.encode('', { addSpecialTokens: true })[0] === bos;
  return addsBos && ids[0] !== bos ? [bos, ...ids] : ids;
}

/** End-of-turn tokens of ChatML, Llama 3, Gemma and Phi-3 chat formats. */
const END_OF_TURN_TOKENS = ['<|im_end|>', '<|eot_id|>', '<end_of_turn>', '<|end|>'];

/** What stopTokenIds reads of a tokenizer (@lora/tokenize's Tokenizer has it). */
export interface StopTokenSource {
  readonly eosTokenId: number | undefined;
  tokenToId(token: string): number | undefined;
  readonly specialTokenIds: ReadonlySet<number>;
}

/** The ids that end an answer: the model's EOS ids, the tokenizer's EOS, and a special end-of-turn token. */
export function stopTokenIds(eosTokenIds: readonly number[], tokenizer: StopTokenSource): number[] {
  const ids = new Set<number>(eosTokenIds);
  if (tokenizer.eosTokenId !== undefined) ids.add(tokenizer.eosTokenId);
  for (const token of END_OF_TURN_TOKENS) {
    const id = tokenizer.tokenToId(token);
    if (id !== undefined && tokenizer.specialTokenIds.has(id)) ids.add(id);
  }
  return [...ids];
}
