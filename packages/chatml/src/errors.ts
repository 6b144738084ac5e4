// Named errors: bad conversations (ChatFormatError) and chat templates that fail or cannot give a safe mask.

/** A conversation, message or option that a format cannot render: the message says which index and why. */
export class ChatFormatError extends Error {
  override name = 'ChatFormatError';
}

/** A jinja chat template that does not parse, raises, or renders prefixes inconsistently (no safe training mask). */
export class ChatTemplateError extends Error {
  override name = 'ChatTemplateError';
}
