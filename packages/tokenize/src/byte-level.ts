// GPT-2's byte-level alphabet and pre-tokenizer regex (openai/gpt-2 encoder.py; HF tokenizers ByteLevel).

/** The GPT-2 pre-tokenization pattern, as HF tokenizers' ByteLevel pre-tokenizer applies it (use_regex: true). */
export const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * GPT-2's bytes_to_unicode: every byte 0..255 gets one printable character. Printable Latin-1 bytes map to
 * themselves; the 68 others (controls, space, soft hyphen...) map to U+0100 onwards, in byte order.
 */
export function bytesToUnicode(): string[] {
  const table: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table.push(String.fromCharCode(printable ? b : next++));
  }
  return table;
}

const BYTE_CHARS = bytesToUnicode();
const encoder = new TextEncoder();

/** The byte-level form of a string: its UTF-8 bytes, each written as its bytes_to_unicode character. */
export function toByteLevel(text: string): string {
  let out = '';
  for (const byte of encoder.encode(text)) out += BYTE_CHARS[byte];
  return out;
}

/** Split text into GPT-2 pre-tokens (each then byte-level encoded by the caller). */
export function gpt2PreTokenize(text: string): string[] {
  return text.match(GPT2_PATTERN) ?? [];
}
