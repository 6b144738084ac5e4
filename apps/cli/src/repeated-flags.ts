// A flag given twice: commander keeps the last value and drops the first without a word, so `--lora-r 4
// --lora-r 16` (or `--shuffle --no-shuffle`, or `--lr 1e-4 --learning-rate 2e-4`: two names of one option) would
// train with a setting the user may not have meant. Refused instead.
import type { Command } from 'commander';
import { UsageError } from './errors.js';
import { hasFlag, optionNames } from './option-names.js';
import { flagOf, type OptionSpec } from './option-spec.js';

/**
 * Make `command` refuse the second occurrence of any of its flags (a flag, its --no- form and its aliases count
 * as one). No option of the CLI collects repeated values, so every flag is single-valued. Call once per parse: the
 * count lives in the listeners.
 */
export function refuseRepeatedFlags(command: Command, specs: readonly OptionSpec[]): void {
  const seen = new Map<string, string>(); // config key → the first occurrence as written
  for (const [optionName, named] of optionNames(specs)) {
    if (!hasFlag(named)) continue;
    const { spec, alias } = named;
    const flag = flagOf(spec.key);
    const names = [flagOf(optionName).slice(2)];
    if (!alias && spec.type === 'boolean' && spec.negatable) names.push(`no-${flag.slice(2)}`);
    for (const name of names) {
      // commander emits option:<name> once per occurrence, with its value (none for a boolean)
      command.on(`option:${name}`, (value: unknown) => {
        const written = typeof value === 'string' ? `--${name} ${value}` : `--${name}`;
        const first = seen.get(spec.key);
        if (first !== undefined) {
          throw new UsageError(
            `${flag}: expected it once, got it twice (${first}, then ${written}); give the value you mean once`,
          );
        }
        seen.set(spec.key, written);
      });
    }
  }
}
