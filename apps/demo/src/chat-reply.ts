// The chat box's reply: the conversation rendered with ChatML and the generation prompt (@lora/chatml), generated
// token by token with the KV cache (@lora/models), decoded incrementally so the page can show text as it comes.
import type { ChatMessage } from '@lora/chatml';
import { type CausalLM, generate } from '@lora/models';
import type { Tokenizer } from '@lora/tokenize';
import { renderChatml } from './demo-data.js';

/**
 * Text of generated ids, special tokens skipped. The model's vocabulary is the tokenizer's rounded up to a multiple
 * of 8 (as the CLI builds it); an id past the tokenizer's end has no text, and is dropped as Hugging Face
 * tokenizers' decode drops unknown ids.
 */
export function decodeGenerated(tokenizer: Tokenizer, ids: readonly number[]): string {
  return tokenizer.decode(
    ids.filter((id) => id < tokenizer.vocabSize),
    { skipSpecialTokens: true },
  );
}

export interface ChatReplyOptions {
  /** 0 = greedy */
  temperature: number;
  maxNewTokens: number;
  seed: number;
  stopIds: number[];
  padTokenId: number;
}

export interface ChatReply {
  text: string;
  tokens: number;
  reason: 'stop' | 'length';
}

/**
 * Streams the reply to `messages` through `onDelta` (new text only: a token that ends inside a multi-byte character
 * is held back until the character is complete) and returns it whole.
 */
export async function chatReply(
  model: CausalLM,
  tokenizer: Tokenizer,
  messages: readonly ChatMessage[],
  o: ChatReplyOptions,
  onDelta: (text: string) => void,
): Promise<ChatReply> {
  const prompt = tokenizer.encode(renderChatml(messages, true));
  const ids: number[] = [];
  let shown = '';
  const result = await generate(
    model,
    [prompt],
    {
      maxNewTokens: o.maxNewTokens,
      doSample: o.temperature > 0,
      temperature: o.temperature > 0 ? o.temperature : 1,
      seed: o.seed,
      eosTokenIds: o.stopIds,
      padTokenId: o.padTokenId,
    },
    (_row, token) => {
      ids.push(token);
      const text = decodeGenerated(tokenizer, ids);
      if (text.endsWith('\uFFFD') || !text.startsWith(shown)) return;
      if (text.length > shown.length) onDelta(text.slice(shown.length));
      shown = text;
    },
  );
  const text = decodeGenerated(tokenizer, ids);
  if (text.startsWith(shown) && text.length > shown.length) onDelta(text.slice(shown.length));
  return { text, tokens: ids.length, reason: result.finishReasons[0]! };
}
