// A transparent test encoder: special tokens are single ids, every other character is its code point + 1000.
import type { TokenEncoder } from '../src/token-encoder.js';

export interface FakeEncoderOptions {
  special?: Record<string, number>;
  bos?: string;
  eos?: string;
  pad?: string;
  /** prepend BOS on encode(addSpecialTokens: true), as Llama tokenizers do */
  addsBos?: boolean;
}

export function fakeEncoder(o: FakeEncoderOptions = {}): TokenEncoder & { calls: number } {
  const special = o.special ?? { '<s>': 1, '</s>': 2, '<|im_start|>': 3, '<|im_end|>': 4, '<pad>': 0 };
  const names = Object.keys(special).sort((a, b) => b.length - a.length);
  const id = (token: string | undefined) => (token === undefined ? undefined : special[token]);
  const enc = {
    calls: 0,
    bosTokenId: id(o.bos),
    eosTokenId: id(o.eos),
    padTokenId: id(o.pad),
    bosToken: o.bos,
    eosToken: o.eos,
    padToken: o.pad,
    encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
      enc.calls++;
      const out: number[] = [];
      for (let i = 0; i < text.length; ) {
        const name = names.find((n) => text.startsWith(n, i));
        if (name !== undefined) {
          out.push(special[name]!);
          i += name.length;
        } else {
          out.push(text.codePointAt(i)! + 1000);
          i += text.codePointAt(i)! > 0xffff ? 2 : 1;
        }
      }
      if (options.addSpecialTokens !== false && o.addsBos && enc.bosTokenId !== undefined)
        out.unshift(enc.bosTokenId);
      return out;
    },
  };
  return enc;
}

/** The ids of plain text under fakeEncoder (no special tokens inside). */
export function chars(text: string): number[] {
  return Array.from(text, (c) => c.codePointAt(0)! + 1000);
}
