// Named errors of generation: each message says what failed, what was expected and what was found.

/** generate() was called with options or prompts that do not fit the model, or the model returned bad logits. */
export class GenerationError extends Error {
  override name = 'GenerationError';
}

/** generation_config.json could not be read: unreadable JSON or a key of the wrong type (named in the message). */
export class GenerationConfigError extends Error {
  override name = 'GenerationConfigError';
}
