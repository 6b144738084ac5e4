// Plain text: no roles or headers; the whole text trains and EOS is appended (continued pre-training style).
import { ChatFormatError } from '../errors.js';
import { SegmentBuilder } from '../segments.js';
import type { ChatFormat, ChatMessage, RenderedChat, RenderOptions } from '../types.js';
import { checkMessages } from './shared.js';

/**
 * Render raw text: `bosToken` (untrained, when given), then text + EOS (trained). `eosToken` is required.
 * @throws ChatFormatError for a non-string text or a missing eosToken.
 */
export function renderPlain(text: string, options: RenderOptions = {}): RenderedChat {
  if (typeof text !== 'string')
    throw new ChatFormatError(`plain: text: expected a string, got ${typeof text}`);
  if (!options.eosToken) {
    throw new ChatFormatError(
      "plain: options.eosToken: expected the model's EOS token (e.g. '</s>', '<|endoftext|>'), got none; " +
        'without it the model never learns to stop',
    );
  }
  return new SegmentBuilder()
    .push(options.bosToken ?? '', false)
    .push(`${text}${options.eosToken}`, true)
    .build();
}

/** Messages form: the contents of all messages, whatever their role, joined with '\n'. */
function renderPlainMessages(messages: readonly ChatMessage[], options: RenderOptions = {}): RenderedChat {
  return renderPlain(
    checkMessages('plain', messages)
      .map((m) => m.content)
      .join('\n'),
    options,
  );
}

export const plainFormat: ChatFormat = { name: 'plain', render: renderPlainMessages };
