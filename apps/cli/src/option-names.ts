// Every name an option answers to — its own key and its aliases — in one table per verb, so flags, config keys,
// the two-names check, --help and did-you-mean all read the same declarations (option-tables.ts, by option-spec.ts).
import { flagOf, type OptionAlias, type OptionSpec } from './option-spec.js';

export interface NamedOption {
  spec: OptionSpec;
  /** the alias the name is; undefined for the option's own key */
  alias?: OptionAlias;
}

/** name (snake_case) → option for one verb's specs; a name declared twice is a bug in the declarations. */
export function optionNames(specs: readonly OptionSpec[]): Map<string, NamedOption> {
  const names = new Map<string, NamedOption>();
  const add = (name: string, entry: NamedOption) => {
    const earlier = names.get(name);
    if (earlier) {
      throw new Error(
        `option names: expected "${name}" once, got it for ${earlier.spec.key} and ${entry.spec.key}`,
      );
    }
    names.set(name, entry);
  };
  for (const spec of specs) {
    add(spec.key, { spec });
    for (const alias of spec.aliases ?? []) add(alias.key, { spec, alias });
  }
  return names;
}

/** Whether a name has a flag: options and aliases that are not config-only. */
export function hasFlag({ spec, alias }: NamedOption): boolean {
  return alias ? alias.configOnly !== true : spec.configOnly !== true;
}

/** A name as the user would write it: `--learning-rate` for a flag, `datasets:` for a config-only key. */
export function written(name: string, named: NamedOption): string {
  return hasFlag(named) ? flagOf(name) : `${name}:`;
}
