// The option model: every config key (snake_case) is a flag (its kebab-case), with one type, one validation and
// one default, so a YAML config and the command line can never disagree about what a value means. The names people
// know from Hugging Face (TrainingArguments, TRL's SFTConfig and ModelConfig, PEFT's LoraConfig, bitsandbytes'
// BitsAndBytesConfig) and axolotl are declared beside the option they name, as its aliases (option-tables.ts holds
// every option; this file, what an option is).
import type { AliasConversion } from './alias-conversions.js';

export type OptionType =
  | 'string'
  /** a file or folder; resolved against the config file's folder (config) or the working folder (flag) */
  | 'path'
  | 'int'
  | 'number'
  | 'boolean'
  /** comma-separated on the command line, a YAML list or a comma-separated string in a config */
  | 'list'
  | 'choice'
  /** a YAML mapping or list; config only */
  | 'object'
  /** names to text: `a=1,b=2` on the command line, a YAML mapping (or that string) in a config */
  | 'pairs';

export interface OptionSpec {
  /** the config key, snake_case; the flag is its kebab-case */
  key: string;
  type: OptionType;
  description: string;
  choices?: readonly string[];
  /** a choice also takes the values this matches, shown in messages as `shown` (e.g. pissa_niter_<K>) */
  pattern?: { readonly test: RegExp; readonly shown: string };
  /** inclusive bounds unless `exclusive`; every int and number option has both (no absurd magnitudes) */
  min?: number;
  max?: number;
  exclusive?: boolean;
  /** a further condition on a number within [min, max], e.g. a power of two */
  rule?: NumberRule;
  default?: unknown;
  /** booleans: also accept --no-<flag> */
  negatable?: boolean;
  /** object values that have no flag */
  configOnly?: boolean;
  /** the placeholder in --help, e.g. <dir> */
  arg?: string;
  /** other names for it (config keys, and their kebab-case as flags) */
  aliases?: readonly OptionAlias[];
  /** choice values known elsewhere that this build refuses, each with why (the message lists what it takes) */
  refused?: Readonly<Record<string, string>>;
  /** a one-line note on stderr for a value that is accepted but means less than its name says */
  note?: (value: unknown) => string | undefined;
}

/** Another name for an option, e.g. `learning_rate` (flag `--learning-rate`) for `lr`. */
export interface OptionAlias {
  /** the config key, snake_case; the flag is its kebab-case */
  key: string;
  /** for a name whose values mean something else (load_in_4bit: true → quant nf4) */
  convert?: AliasConversion;
  /** a flag that takes no value although the option does (--load-in-4bit) */
  boolean?: boolean;
  /** a config key only: a YAML list (datasets), or a flag that would read as a typo (--r) */
  configOnly?: boolean;
}

/** Aliases that mean exactly what the option means. */
export const also = (...keys: string[]): OptionAlias[] => keys.map((key) => ({ key }));

/** A condition a number must meet beyond its range; `expected` words the whole condition, given the range. */
export interface NumberRule {
  expected: (range: string) => string;
  test: (n: number) => boolean;
}

export const POWER_OF_TWO: NumberRule = {
  expected: (range) => `a power of two ${range}`,
  test: (n) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0,
};

/** `sample`: a count of examples, or a fraction of them (the range bounds the count) */
export const COUNT_OR_FRACTION: NumberRule = {
  expected: (range) => `a fraction in (0, 1) or a count (an integer ${range})`,
  test: (n) => (Number.isInteger(n) && n >= 1) || (n > 0 && n < 1),
};

/** Upper bounds shared by several options: far above any real run, far below what would overflow or hang. */
export const LIMITS = {
  /** steps of any kind (max_steps, warmup, eval/save/logging intervals) */
  steps: 10_000_000,
  /** examples (max_samples, eval_size, limit) */
  examples: 1_000_000_000,
  /** tokens in one sequence (max_length, max_new_tokens) */
  tokens: 1_048_576,
  /** examples per micro-batch, micro-batches per step */
  batch: 65_536,
  /** seeds are 32-bit */
  seed: 2 ** 32 - 1,
} as const;

/** `lora_r` → `--lora-r` */
export function flagOf(key: string): string {
  return `--${key.replace(/_/g, '-')}`;
}

/** commander's attribute name for a flag: `lora_r` → `loraR` */
export function attributeOf(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * One option's declaration. The key, the type and every extra are kept as literal types (a `const` type parameter
 * does what `as const` would at each call), so option-types.ts can infer the value type of every key from the
 * declarations themselves: there is no second list of types to keep in step with this file.
 */
export function option<
  const K extends string,
  const T extends OptionType,
  const X extends Omit<Partial<OptionSpec>, 'key' | 'type' | 'description'> = Record<never, never>,
>(key: K, type: T, description: string, extra?: X): { key: K; type: T; description: string } & X {
  return { key, type, description, ...(extra as X) };
}
