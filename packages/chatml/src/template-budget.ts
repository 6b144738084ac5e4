// A chat_template is untrusted input (it comes with a downloaded model), so one render runs under a budget: wall
// clock, loop iterations, characters written, macro nesting. The meter is checked from inside the interpreter as it
// walks the template (a synchronous render cannot be interrupted from outside), so a hostile template ends with a
// TemplateLimitError instead of hanging or exhausting memory.
import { ChatFormatError, type TemplateLimitName } from './errors.js';

/** Limits on one render of a chat template. Every real chat template renders far inside the defaults. */
export interface TemplateBudget {
  /** Wall-clock milliseconds one render may take. */
  timeMs: number;
  /**
   * Loop iterations one render may run, all loops together (each item a `for ... if` filter tests counts too); also
   * the most items of any list (`range()` included).
   */
  maxLoopIterations: number;
  /**
   * Characters one render may write, counted where they are written (text a macro or `{% set %}` block writes
   * counts again where its result is printed); also the most characters any one value may print as.
   */
  maxOutputChars: number;
  /** How deeply macro calls may nest (recursion). */
  maxMacroDepth: number;
}

/**
 * The defaults: 10 s, 100,000 loop iterations (jinja2's sandbox bounds `range` the same), 16 MiB of text, 200 nested
 * macro calls. A 20,000-message conversation renders well within them (Qwen2.5, Llama-3.1, Gemma-3 and Mistral-Nemo
 * templates: about a second, one loop iteration per message).
 */
export const DEFAULT_TEMPLATE_BUDGET: Readonly<TemplateBudget> = Object.freeze({
  timeMs: 10_000,
  maxLoopIterations: 100_000,
  maxOutputChars: 16 * 1024 * 1024,
  maxMacroDepth: 200,
} satisfies Record<TemplateLimitName, number>);

const BUDGET_KEYS = Object.keys(DEFAULT_TEMPLATE_BUDGET) as TemplateLimitName[];

/**
 * The defaults with `overrides` applied.
 * @throws ChatFormatError naming the key for an unknown key or a value that is not a positive integer.
 */
export function resolveTemplateBudget(
  overrides: Partial<TemplateBudget> | undefined,
  source: string,
): Readonly<TemplateBudget> {
  if (overrides === undefined) return DEFAULT_TEMPLATE_BUDGET;
  if (typeof overrides !== 'object' || overrides === null) {
    throw new ChatFormatError(`${source}: budget: expected an object of limits, got ${String(overrides)}`);
  }
  const budget = { ...DEFAULT_TEMPLATE_BUDGET };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(BUDGET_KEYS as string[]).includes(key)) {
      throw new ChatFormatError(
        `${source}: budget.${key}: expected one of ${BUDGET_KEYS.join(', ')}, got ${key}`,
      );
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new ChatFormatError(
        `${source}: budget.${key}: expected a positive integer, got ${typeof value === 'number' ? value : typeof value}`,
      );
    }
    budget[key as keyof TemplateBudget] = value;
  }
  return Object.freeze(budget);
}

/** A render ran past one of its limits; `limit` names the budget key. */
export class TemplateLimitError extends Error {
  override name = 'TemplateLimitError';
  constructor(
    message: string,
    readonly limit: TemplateLimitName,
  ) {
    super(message);
  }
}

/** How often (in interpreter steps) the clock is read: often enough that no stretch between reads is long. */
const CLOCK_EVERY = 64;

/** The running counts of one render, each checked against the budget as it grows. */
export class RenderMeter {
  #steps = 0;
  #iterations = 0;
  #written = 0;
  #macroDepth = 0;
  readonly #start = performance.now();

  constructor(readonly budget: Readonly<TemplateBudget>) {}

  /** One interpreter step: reads the clock every CLOCK_EVERY steps. */
  step(): void {
    if (++this.#steps % CLOCK_EVERY === 0) this.checkClock();
  }

  checkClock(): void {
    const elapsed = performance.now() - this.#start;
    if (elapsed > this.budget.timeMs) {
      throw new TemplateLimitError(
        `time budget exceeded after ${Math.round(elapsed)} ms: expected a render within ${this.budget.timeMs} ms (budget.timeMs)`,
        'timeMs',
      );
    }
  }

  /** One loop iteration (any loop). */
  iteration(): void {
    if (++this.#iterations > this.budget.maxLoopIterations) {
      throw new TemplateLimitError(
        `loop budget exceeded after ${this.budget.maxLoopIterations} iterations (all loops together; budget.maxLoopIterations)`,
        'maxLoopIterations',
      );
    }
  }

  /**
   * A list a template builds item by item (`range()`, `split()`) of `length` items, refused before it is built:
   * no list longer than the loop budget could be looped over.
   */
  items(what: string, length: number, counted: 'exactly' | 'at least' = 'exactly'): void {
    if (length > this.budget.maxLoopIterations) {
      const got = counted === 'exactly' ? `${length}` : `more than ${this.budget.maxLoopIterations}`;
      throw new TemplateLimitError(
        `${what} has ${got} items: expected at most ${this.budget.maxLoopIterations} (budget.maxLoopIterations)`,
        'maxLoopIterations',
      );
    }
  }

  /** `chars` characters written to the output. */
  write(chars: number): void {
    this.#written += chars;
    if (this.#written > this.budget.maxOutputChars) {
      throw new TemplateLimitError(
        `output over ${this.budget.maxOutputChars} characters (budget.maxOutputChars)`,
        'maxOutputChars',
      );
    }
  }

  /** A value that prints as at least `chars` characters. */
  value(what: string, chars: number): void {
    if (chars > this.budget.maxOutputChars) {
      throw new TemplateLimitError(
        `${what} would print as at least ${chars} characters: expected at most ${this.budget.maxOutputChars} (budget.maxOutputChars)`,
        'maxOutputChars',
      );
    }
  }

  enterMacro(name: string): void {
    if (++this.#macroDepth > this.budget.maxMacroDepth) {
      throw new TemplateLimitError(
        `recursion too deep: macro '${name}' called inside ${this.budget.maxMacroDepth} nested macro calls (budget.maxMacroDepth)`,
        'maxMacroDepth',
      );
    }
  }

  exitMacro(): void {
    this.#macroDepth--;
  }
}
