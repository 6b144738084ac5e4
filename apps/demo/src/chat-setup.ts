// How conversations become token ids for a model: its chat format (a builtin, or the tokenizer's own jinja
// chat_template), the prompt ids ending where the answer starts, and the ids that end an answer.
// (The CLI does the same in apps/cli/src/session.ts — resolveChatFormat, promptIds, stopTokenIds — which no package
// exports yet, so the page has its own copy of these few lines.)
import {
  BUILTIN_FORMAT_NAMES,
  type BuiltinFormatName,
  type ChatFormat,
  getChatFormat,
  jinjaChatFormat,
} from '@lora/chatml';
import type { Tokenizer } from '@lora/tokenize';

/** 'model': the tokenizer's own chat_template (ChatML when it has none); or a builtin format. */
export type ChatFormatChoice = 'model' | BuiltinFormatName;

export const CHAT_FORMAT_CHOICES: readonly ChatFormatChoice[] = ['model', ...BUILTIN_FORMAT_NAMES];

/** The tokenizer's own template as a chat format, or undefined when it has none. */
function ownFormat(tokenizer: Tokenizer): ChatFormat | undefined {
  const own = tokenizer.chatTemplate;
  const template = typeof own === 'string' ? own : own?.default;
  if (template === undefined) return undefined;
  const specials: Record<string, string> = {};
  if (tokenizer.bosToken) specials.bos_token = tokenizer.bosToken;
  if (tokenizer.eosToken) specials.eos_token = tokenizer.eosToken;
  if (tokenizer.padToken) specials.pad_token = tokenizer.padToken;
  return jinjaChatFormat(template, specials, { name: 'chat_template' });
}

/** The format `choice` names; 'model' without a template is ChatML, as `lora train` picks. */
export function resolveChatFormat(choice: ChatFormatChoice, tokenizer: Tokenizer): ChatFormat {
  if (choice === 'model') return ownFormat(tokenizer) ?? getChatFormat('chatml');
  if (!(BUILTIN_FORMAT_NAMES as readonly string[]).includes(choice))
    throw new Error(
      `chat format: expected model or one of ${BUILTIN_FORMAT_NAMES.join(', ')}, got "${choice}"`,
    );
  return getChatFormat(choice);
}

export { promptIds, stopTokenIds } from '@lora/datasets';
