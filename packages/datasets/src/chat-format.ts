// Which chat format tokenization renders with: a builtin name, a ChatFormat object, or a jinja template.

import {
  BUILTIN_FORMAT_NAMES,
  type BuiltinFormatName,
  type ChatFormat,
  getChatFormat,
  jinjaChatFormat,
} from '@lora/chatml';
import { DatasetError, preview } from './errors.js';
import type { TokenEncoder } from './token-encoder.js';

/** A builtin format name, a ChatFormat (e.g. from chatml's chatFormatFromTokenizerConfig), or a jinja template. */
export type ChatFormatSpec =
  | ChatFormat
  | BuiltinFormatName
  | { jinja: string; specialTokens?: Record<string, string> };

/** The end-of-turn token of each builtin format that has its own (the others end turns with EOS). */
const END_OF_TURN: Partial<Record<string, string>> = {
  chatml: '<|im_end|>',
  llama3: '<|eot_id|>',
  gemma: '<end_of_turn>',
};

export function endOfTurnTokens(format: ChatFormat, eosToken: string | undefined): string[] {
  const own = END_OF_TURN[format.name];
  return [own, eosToken].filter((t): t is string => typeof t === 'string' && t !== '');
}

/** Resolve a spec; a jinja template gets the encoder's special tokens, overridden by `specialTokens`. */
export function resolveChatFormat(spec: ChatFormatSpec, encoder: TokenEncoder): ChatFormat {
  if (typeof spec === 'string') {
    if (!(BUILTIN_FORMAT_NAMES as readonly string[]).includes(spec)) {
      throw new DatasetError(
        `chatFormat: expected one of ${BUILTIN_FORMAT_NAMES.join(', ')}, a ChatFormat or { jinja }, got ${preview(spec)}`,
        {
          key: 'chatFormat',
        },
      );
    }
    return getChatFormat(spec);
  }
  if (typeof spec === 'object' && spec !== null && 'jinja' in spec) {
    if (typeof spec.jinja !== 'string') {
      throw new DatasetError(`chatFormat.jinja: expected a template string, got ${preview(spec.jinja)}`, {
        key: 'chatFormat',
      });
    }
    const fromEncoder: Record<string, string> = {};
    if (encoder.bosToken !== undefined) fromEncoder.bos_token = encoder.bosToken;
    if (encoder.eosToken !== undefined) fromEncoder.eos_token = encoder.eosToken;
    if (encoder.padToken !== undefined) fromEncoder.pad_token = encoder.padToken;
    try {
      return jinjaChatFormat(spec.jinja, { ...fromEncoder, ...spec.specialTokens });
    } catch (cause) {
      throw new DatasetError(`chatFormat.jinja: ${(cause as Error).message}`, { cause, key: 'chatFormat' });
    }
  }
  if (typeof spec === 'object' && spec !== null && typeof (spec as ChatFormat).render === 'function')
    return spec as ChatFormat;
  throw new DatasetError(
    `chatFormat: expected a builtin name, a ChatFormat or { jinja }, got ${preview(spec)}`,
    {
      key: 'chatFormat',
    },
  );
}
