// Zephyr as TinyLlama-1.1B-Chat-v1.0's chat_template renders it: <|role|>\ncontent</s>\n per message.
import { ChatFormatError } from '../errors.js';
import { SegmentBuilder } from '../segments.js';
import type { ChatFormat, ChatMessage, RenderedChat, RenderOptions } from '../types.js';
import { checkMessages } from './shared.js';

const ROLES = new Set(['system', 'user', 'assistant']);

/** Trains assistant content + EOS + '\n'; `<|assistant|>\n` is the generation prompt. EOS defaults to '</s>'. */
function renderZephyr(messages: readonly ChatMessage[], options: RenderOptions = {}): RenderedChat {
  const eos = options.eosToken ?? '</s>';
  const out = new SegmentBuilder();
  checkMessages('zephyr', messages).forEach((m, i) => {
    // The real template silently drops other roles; dropping text is worse than refusing it.
    if (!ROLES.has(m.role)) {
      throw new ChatFormatError(
        `zephyr: messages[${i}].role: expected 'system', 'user' or 'assistant', got '${m.role}'`,
      );
    }
    out.push(`<|${m.role}|>\n`, false);
    out.push(`${m.content}${eos}\n`, m.role === 'assistant');
  });
  if (options.addGenerationPrompt) out.push('<|assistant|>\n', false);
  return out.build();
}

export const zephyrFormat: ChatFormat = { name: 'zephyr', render: renderZephyr };
