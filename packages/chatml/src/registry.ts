// Builtin formats by name, and renderChat: the one entry point that takes a format object or a builtin name.
import { ChatFormatError } from './errors.js';
import { alpacaFormat } from './formats/alpaca.js';
import { chatmlFormat } from './formats/chatml.js';
import { gemmaFormat } from './formats/gemma.js';
import { llama2Format } from './formats/llama2.js';
import { llama3Format } from './formats/llama3.js';
import { plainFormat } from './formats/plain.js';
import { zephyrFormat } from './formats/zephyr.js';
import type { BuiltinFormatName, ChatFormat, ChatMessage, RenderedChat, RenderOptions } from './types.js';
import { BUILTIN_FORMAT_NAMES } from './types.js';

const BUILTINS: Readonly<Record<BuiltinFormatName, ChatFormat>> = {
  chatml: chatmlFormat,
  zephyr: zephyrFormat,
  llama2: llama2Format,
  llama3: llama3Format,
  gemma: gemmaFormat,
  alpaca: alpacaFormat,
  plain: plainFormat,
};

/**
 * The builtin format called `name`.
 * @throws ChatFormatError for an unknown name (the message lists the builtin names).
 */
export function getChatFormat(name: BuiltinFormatName): ChatFormat {
  if (!Object.hasOwn(BUILTINS, name)) {
    throw new ChatFormatError(
      `chat format: expected one of ${BUILTIN_FORMAT_NAMES.join(', ')}, got ${JSON.stringify(name)}`,
    );
  }
  return BUILTINS[name];
}

/** Render `messages` with a format object or a builtin format name. */
export function renderChat(
  messages: readonly ChatMessage[],
  format: ChatFormat | BuiltinFormatName,
  options?: RenderOptions,
): RenderedChat {
  return (typeof format === 'string' ? getChatFormat(format) : format).render(messages, options);
}
