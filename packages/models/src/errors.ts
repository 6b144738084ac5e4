// Named errors of @lora/models: each message says what failed, what was expected and what was found, naming the
// file, config key or tensor.

/** config.json could not be read as a supported model configuration. */
export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
}

/** A checkpoint's tensors do not fit the configuration (missing, wrong shape, unreadable). */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** A call into a loaded model with arguments that do not fit it (batch shapes, token ids, KV cache). */
export class ModelInputError extends Error {
  override name = 'ModelInputError';
}
