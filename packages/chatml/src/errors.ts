// Named errors: bad conversations (ChatFormatError) and chat templates that fail or cannot give a safe mask.

/** A conversation, message or option that a format cannot render: the message says which index and why. */
export class ChatFormatError extends Error {
  override name = 'ChatFormatError';
}

/** The render limits of a chat template (the keys of TemplateBudget). */
export type TemplateLimitName = 'timeMs' | 'maxLoopIterations' | 'maxOutputChars' | 'maxMacroDepth';

/** Options of `ChatTemplateError`: the template line and the render limit involved, where known. */
export interface ChatTemplateErrorOptions extends ErrorOptions {
  /** The template line the failure happened on, where it is known. */
  line?: number;
  /** The render limit the template ran past, when that is what failed. */
  limit?: TemplateLimitName;
}

/**
 * A jinja chat template that does not parse, raises, fails, runs past its render budget, or renders prefixes
 * inconsistently (no safe training mask). The message is one line naming the template's source and, where known,
 * its line.
 */
export class ChatTemplateError extends Error {
  override name = 'ChatTemplateError';
  readonly #line: number | undefined;
  readonly #limit: TemplateLimitName | undefined;

  constructor(message: string, options: ChatTemplateErrorOptions = {}) {
    super(message, options);
    this.#line = options.line;
    this.#limit = options.limit;
  }

  /** The template line the failure happened on, where it is known. */
  get line(): number | undefined {
    return this.#line;
  }

  /** The render limit the template ran past, when that is what failed. */
  get limit(): TemplateLimitName | undefined {
    return this.#limit;
  }
}
