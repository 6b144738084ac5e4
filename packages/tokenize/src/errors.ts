// Named errors of @lora/tokenize: loading files, encoding/decoding with bad options, training a tokenizer.

/** A tokenizer folder or JSON object could not be loaded; the message names the file and what was wrong. */
export class TokenizerLoadError extends Error {
  override name = 'TokenizerLoadError';
}

/** encode/encodeBatch/decode got input or options they cannot honour (e.g. padding without a pad token). */
export class TokenizationError extends Error {
  override name = 'TokenizationError';
}

/** trainByteLevelBpe got a corpus or options it cannot honour. */
export class TokenizerTrainError extends Error {
  override name = 'TokenizerTrainError';
}

/** writeTokenizerFiles could not write the files (nothing is left half-written). */
export class TokenizerWriteError extends Error {
  override name = 'TokenizerWriteError';
}
