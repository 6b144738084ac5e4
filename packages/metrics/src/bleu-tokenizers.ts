// sacreBLEU's BLEU tokenizers (13a = mteval-v13a, zh, intl = mteval-v14 international, char, none), reimplemented
// to give the same tokens, including the zh tokenizer's quirks (see isSacreBleuChineseChar).
import { MetricsError, show } from './errors.js';
import { codePoints, pySplit, pyStrip } from './python-text.js';

/** sacreBLEU's tokenizers: `13a` (default), `zh`, `intl`, `char`, `none`. */
export type BleuTokenizer = '13a' | 'zh' | 'intl' | 'char' | 'none';
/** Every BLEU tokenizer name. */
export const BLEU_TOKENIZERS: readonly BleuTokenizer[] = ['13a', 'zh', 'intl', 'char', 'none'];

// mteval-v13a's language-dependent part: symbols {|}~ [\]^_` space!"#$%& ()*+ :;<=>?@ and / become tokens
const SYMBOL = /([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f])/gu;
const PERIOD_COMMA_AFTER_NONDIGIT = /([^0-9])([.,])/gu;
const PERIOD_COMMA_BEFORE_NONDIGIT = /([.,])([^0-9])/gu;
const DASH_AFTER_DIGIT = /([0-9])(-)/gu;

/** The regex part shared by `13a` and `zh`, then Python's `' '.join(line.split())`. */
function mtevalRegexp(line: string): string[] {
  const out = line
    .replace(SYMBOL, ' $1 ')
    .replace(PERIOD_COMMA_AFTER_NONDIGIT, '$1 $2 ')
    .replace(PERIOD_COMMA_BEFORE_NONDIGIT, ' $1 $2')
    .replace(DASH_AFTER_DIGIT, '$1 $2 ');
  return pySplit(out);
}

function tokenize13a(line: string): string[] {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) {
    s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  return mtevalRegexp(` ${s} `);
}

// sacreBLEU's _UCODE_RANGES, as the code points its string comparisons really test. Two entries are written there
// as '\u20000'–'\u2a6d6' and '\u2f800'–'\u2fa1d': Python reads those as two-character strings, so they cover
// U+2001–U+2A6D (general punctuation such as “ ” ‘ ’ … — –, arrows, math, box drawing, ...) and U+2F81–U+2FA1,
// and CJK Extension B ideographs (U+20000 and up) are NOT split. We reproduce that so scores match sacreBLEU.
// biome-ignore format: a table reads better one row per line
const CHINESE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x3400, 0x4db5], [0x4e00, 0x9fa5], [0x9fa6, 0x9fbb], [0xf900, 0xfa2d], [0xfa30, 0xfa6a], [0xfa70, 0xfad9],
  [0x2001, 0x2a6d], [0x2f81, 0x2fa1], [0xff00, 0xffef], [0x2e80, 0x2eff], [0x3000, 0x303f], [0x31c0, 0x31ef],
  [0x2f00, 0x2fdf], [0x2ff0, 0x2fff], [0x3100, 0x312f], [0x31a0, 0x31bf], [0xfe10, 0xfe1f], [0xfe30, 0xfe4f],
  [0x2600, 0x26ff], [0x2700, 0x27bf], [0x3200, 0x32ff], [0x3300, 0x33ff],
];

/** Whether sacreBLEU's `zh` tokenizer treats this one-code-point string as a Chinese character (a token alone). */
export function isSacreBleuChineseChar(ch: string): boolean {
  const cp = ch.codePointAt(0);
  if (cp === undefined) return false;
  for (const [lo, hi] of CHINESE_RANGES) if (cp >= lo && cp <= hi) return true;
  return false;
}

function tokenizeZh(line: string): string[] {
  let s = '';
  for (const ch of codePoints(pyStrip(line))) s += isSacreBleuChineseChar(ch) ? ` ${ch} ` : ch;
  return mtevalRegexp(s);
}

const PUNCT_AFTER_NONNUMBER = /(\P{N})(\p{P})/gu;
const PUNCT_BEFORE_NONNUMBER = /(\p{P})(\P{N})/gu;
const SYMBOL_ANY = /(\p{S})/gu;

function tokenizeIntl(line: string): string[] {
  return pySplit(
    line
      .replace(PUNCT_AFTER_NONNUMBER, '$1 $2 ')
      .replace(PUNCT_BEFORE_NONNUMBER, ' $1 $2')
      .replace(SYMBOL_ANY, ' $1 '),
  );
}

/**
 * Tokens sacreBLEU's BLEU would count for one (already lowercased, right-stripped) line.
 * - `13a` (default): mteval-v13a; splits ASCII punctuation and symbols, keeps `'` and `-` inside words. A Chinese
 *   sentence without spaces stays one token (plus ASCII punctuation), so BLEU on Chinese needs `zh`.
 * - `zh`: every Chinese character (and CJK/full-width punctuation) is its own token, the rest as 13a.
 * - `intl`: mteval-v14 international; splits Unicode punctuation and symbols. CJK text is not segmented.
 * - `char`: every non-whitespace code point is a token. `none`: split on whitespace only.
 */
export function bleuTokenize(line: string, tokenizer: BleuTokenizer = '13a'): string[] {
  switch (tokenizer) {
    case '13a':
      return tokenize13a(line);
    case 'zh':
      return tokenizeZh(line);
    case 'intl':
      return tokenizeIntl(line);
    case 'char':
      return codePoints(line).filter((c) => pySplit(c).length > 0);
    case 'none':
      return pySplit(line);
    default:
      throw new MetricsError(
        `bleu tokenize: expected one of ${BLEU_TOKENIZERS.join(', ')}, got ${show(tokenizer)}`,
      );
  }
}
