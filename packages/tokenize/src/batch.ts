// Truncation and padding of a batch, as transformers' fast tokenizers do it: truncation cuts the text's own
// tokens so the special tokens the post-processor adds survive; padding fills with pad_token_id, mask 0.
import { TokenizationError } from './errors.js';

/** Which side padding (or truncation) goes on. */
export type Side = 'left' | 'right';

/** Options of `Tokenizer.encodeBatch`: special tokens, padding, length limit, truncation, padding side. */
export interface EncodeBatchOptions {
  /** add bos/eos (or whatever the post-processor adds); default true */
  addSpecialTokens?: boolean;
  /** false (default): ragged rows; 'longest': pad to the longest row; 'max_length': pad to maxLength */
  padding?: false | 'longest' | 'max_length';
  /** the longest row allowed, special tokens included */
  maxLength?: number;
  /** cut rows longer than maxLength (default: the tokenizer's modelMaxLength); without it a too-long text is an error */
  truncation?: boolean;
  /** default: tokenizer_config.json padding_side, else 'right' */
  paddingSide?: Side;
  /** default: tokenizer_config.json truncation_side, else 'right' */
  truncationSide?: Side;
}

/** A batch of encodings: input ids and attention masks, ragged unless padded. */
export interface BatchEncoding {
  inputIds: number[][]; // (B, T) ragged unless padded
  attentionMask: number[][]; // (B, T) 1 for tokens, 0 for padding
}

/** One encoded text split into what the post-processor adds (prefix, suffix) and the text's own tokens. */
export interface EncodedParts {
  prefix: readonly number[];
  content: readonly number[];
  suffix: readonly number[];
}

export interface BatchDefaults {
  paddingSide: Side;
  truncationSide: Side;
  modelMaxLength: number | undefined;
  padTokenId: number | undefined;
  padToken: string | undefined;
}

function checkSide(value: unknown, key: string, fallback: Side): Side {
  if (value === undefined) return fallback;
  if (value !== 'left' && value !== 'right') {
    throw new TokenizationError(
      `encodeBatch: ${key}: expected 'left' or 'right', got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function checkLength(value: unknown, key: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TokenizationError(`encodeBatch: ${key}: expected a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Truncate (or refuse) and pad the rows of a batch. */
export function assembleBatch(
  rows: readonly EncodedParts[],
  options: EncodeBatchOptions,
  defaults: BatchDefaults,
): BatchEncoding {
  const padding = options.padding ?? false;
  if (padding !== false && padding !== 'longest' && padding !== 'max_length') {
    throw new TokenizationError(
      `encodeBatch: padding: expected false, 'longest' or 'max_length', got ${JSON.stringify(options.padding)}`,
    );
  }
  const truncation = options.truncation ?? false;
  if (typeof truncation !== 'boolean') {
    throw new TokenizationError(
      `encodeBatch: truncation: expected true or false, got ${JSON.stringify(truncation)}`,
    );
  }
  const paddingSide = checkSide(options.paddingSide, 'paddingSide', defaults.paddingSide);
  const truncationSide = checkSide(options.truncationSide, 'truncationSide', defaults.truncationSide);
  let maxLength = checkLength(options.maxLength, 'maxLength');
  if (truncation && maxLength === undefined) {
    maxLength = defaults.modelMaxLength;
    if (maxLength === undefined) {
      throw new TokenizationError(
        'encodeBatch: truncation: true needs a length: expected maxLength or a tokenizer_config.json model_max_length, got neither',
      );
    }
  }
  if (padding === 'max_length' && options.maxLength === undefined) {
    throw new TokenizationError(
      "encodeBatch: padding 'max_length' needs maxLength: expected a positive integer, got none",
    );
  }
  if (padding !== false && defaults.padTokenId === undefined) {
    throw new TokenizationError(
      `encodeBatch: padding '${padding}' needs a pad token: expected tokenizer_config.json pad_token, got none ` +
        '(choose one explicitly, e.g. tokenizer.withPadToken(tokenizer.eosToken))',
    );
  }

  const inputIds = rows.map(({ prefix, content, suffix }, i) => {
    const total = prefix.length + content.length + suffix.length;
    if (maxLength === undefined || total <= maxLength) return [...prefix, ...content, ...suffix];
    if (!truncation) {
      throw new TokenizationError(
        `encodeBatch: text ${i} is ${total} tokens long: expected at most maxLength ${maxLength} (pass truncation: true to cut it)`,
      );
    }
    const budget = maxLength - prefix.length - suffix.length;
    if (budget < 0) {
      throw new TokenizationError(
        `encodeBatch: maxLength ${maxLength} cannot hold the ${prefix.length + suffix.length} special tokens added to text ${i}: expected at least ${prefix.length + suffix.length}`,
      );
    }
    const kept =
      truncationSide === 'right' ? content.slice(0, budget) : content.slice(content.length - budget);
    return [...prefix, ...kept, ...suffix];
  });

  const target =
    padding === 'max_length' ? (maxLength as number) : Math.max(0, ...inputIds.map((r) => r.length));
  const attentionMask = inputIds.map((row) => row.map(() => 1));
  if (padding !== false) {
    const pad = defaults.padTokenId as number;
    inputIds.forEach((row, i) => {
      const n = target - row.length;
      if (n <= 0) return;
      const ids = new Array<number>(n).fill(pad);
      const zeros = new Array<number>(n).fill(0);
      const mask = attentionMask[i] as number[];
      if (paddingSide === 'right') {
        row.push(...ids);
        mask.push(...zeros);
      } else {
        row.unshift(...ids);
        mask.unshift(...zeros);
      }
    });
  }
  return { inputIds, attentionMask };
}
