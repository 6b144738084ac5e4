// Stop strings (transformers StopStringCriteria): a row stops once the text of its generated tokens contains one of
// the strings; only the newest tokens are decoded, enough to hold the longest string.
import { GenerationError } from './errors.js';

/** Token ids → text, as the tokenizer decodes them (e.g. `(ids) => tokenizer.decode(ids)`). */
export type Decode = (ids: number[]) => string;

/** Tokens decoded beyond the longest stop string: room for tokens that decode to no text (skipped specials). */
const SLACK_TOKENS = 16;

/** Stops a row once its generated text contains one of the stop strings (transformers' `StopStringCriteria`). */
export class StopStringMatcher {
  readonly #strings: string[];
  readonly #decode: Decode;
  readonly #window: number;

  constructor(strings: readonly string[], decode: Decode | undefined) {
    if (strings.length > 0 && !decode) {
      throw new GenerationError(
        'stopStrings: expected a decode function (options.decode) to turn tokens into text, got none',
      );
    }
    strings.forEach((s, i) => {
      if (typeof s !== 'string' || s.length === 0) {
        throw new GenerationError(`stopStrings[${i}]: expected a non-empty string, got ${JSON.stringify(s)}`);
      }
    });
    this.#strings = [...strings];
    this.#decode = decode ?? (() => '');
    this.#window = Math.max(0, ...strings.map((s) => s.length)) + SLACK_TOKENS;
  }

  get active(): boolean {
    return this.#strings.length > 0;
  }

  /** Whether the text of these generated tokens (newest last) contains a stop string. */
  matches(generated: readonly number[]): boolean {
    if (this.#strings.length === 0 || generated.length === 0) return false;
    const text = this.#decode(generated.slice(-this.#window));
    return this.#strings.some((s) => text.includes(s));
  }
}
