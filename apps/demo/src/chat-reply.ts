// The chat box's reply: the conversation rendered with the run's chat format and the generation prompt, generated
// token by token with the KV cache (@lora/models), decoded incrementally so the page shows text as it comes.
import type { ChatFormat, ChatMessage } from '@lora/chatml';
import { type CausalLM, generate } from '@lora/models';
import type { Tokenizer } from '@lora/tokenize';
import { promptIds } from './chat-setup.js';

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
 * is held back until the character is complete; the reply's leading space is dropped) and returns it whole.
 */
export async function chatReply(
  model: CausalLM,
  tokenizer: Tokenizer,
  format: ChatFormat,
  messages: readonly ChatMessage[],
  o: ChatReplyOptions,
  onDelta: (text: string) => void,
): Promise<ChatReply> {
  const ids: number[] = [];
  let shown = '';
  const decode = () => tokenizer.decode(ids, { skipSpecialTokens: true }).trimStart();
  const result = await generate(
    model,
    [promptIds(tokenizer, format, messages)],
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
      const text = decode();
      if (text.endsWith('\uFFFD') || !text.startsWith(shown)) return;
      if (text.length > shown.length) onDelta(text.slice(shown.length));
      shown = text;
    },
  );
  const text = decode().replace(/\uFFFD+$/u, '');
  if (text.startsWith(shown) && text.length > shown.length) onDelta(text.slice(shown.length));
  return { text, tokens: ids.length, reason: result.finishReasons[0]! };
}
