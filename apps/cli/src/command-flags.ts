// The flags of a verb as commander options: one per option key and one per alias (hidden: --help names the aliases
// on their option's line), with the default, choices and aliases in the help text. Values are checked by
// options.ts, not by commander, so a flag and a config key are refused in the same words.
import { type Command, Option } from 'commander';
import { suggestion } from './did-you-mean.js';
import { hasFlag, optionNames, written } from './option-names.js';
import { attributeOf, flagOf, type OptionSpec } from './option-spec.js';

const shownValue = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));

/** ` (one of …; default: …; also --learning-rate, r: in a config)` or '' */
export function helpSuffix(spec: OptionSpec): string {
  const parts: string[] = [];
  if (spec.type === 'choice' && spec.choices) parts.push(`one of ${spec.choices.join(', ')}`);
  if (spec.type === 'boolean') {
    const on = spec.default === true;
    parts.push(`default: ${on}${on && spec.negatable ? `; ${flagOf(`no_${spec.key}`)} turns it off` : ''}`);
  } else if (spec.default !== undefined) parts.push(`default: ${shownValue(spec.default)}`);
  const aliases = (spec.aliases ?? []).map((alias) => {
    const name = written(alias.key, { spec, alias });
    return name.endsWith(':') ? `${name} in a config` : name;
  });
  if (aliases.length > 0) parts.push(`also ${aliases.join(', ')}`);
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}

function flagOption(name: string, takesValue: boolean, spec: OptionSpec): Option {
  if (!takesValue) return new Option(flagOf(name), spec.description);
  const arg = spec.arg ?? (spec.type === 'int' || spec.type === 'number' ? 'n' : 'value');
  return new Option(`${flagOf(name)} <${arg}>`, spec.description);
}

/** Add the flags of `specs` to `command`: each option's own flag (with --no- for a negatable boolean) and aliases. */
export function addFlags(command: Command, specs: readonly OptionSpec[]): void {
  for (const [name, named] of optionNames(specs)) {
    if (!hasFlag(named)) continue;
    const { spec, alias } = named;
    // a converting alias takes a value unless it is a boolean flag (--load-in-4bit)
    const takesValue = alias?.convert ? alias.boolean !== true : spec.type !== 'boolean';
    const option = flagOption(name, takesValue, spec);
    if (alias) {
      command.addOption(option.hideHelp());
      continue;
    }
    option.description = `${spec.description}${helpSuffix(spec)}`;
    command.addOption(option);
    if (spec.type === 'boolean' && spec.negatable)
      command.addOption(new Option(`--no-${flagOf(name).slice(2)}`, `do not ${spec.description}`).hideHelp());
  }
}

/** [name, raw value] of each flag given on the command line (by any of its option's names), in spec order. */
export function givenFlags(command: Command, specs: readonly OptionSpec[]): [string, unknown][] {
  const parsed = command.opts();
  const flags: [string, unknown][] = [];
  for (const [name, named] of optionNames(specs)) {
    if (!hasFlag(named)) continue;
    const attribute = attributeOf(name);
    if (command.getOptionValueSource(attribute) === 'cli') flags.push([name, parsed[attribute]]);
  }
  return flags;
}

/**
 * commander's "unknown option '--x'" with our did-you-mean over every flag of the verb (aliases too, and
 * `--learning_rate` written the Hugging Face way finds `--learning-rate`), or the verbs that have it.
 */
export function unknownFlagMessage(
  flag: string,
  verb: string,
  verbs: readonly { name: string; options: readonly OptionSpec[] }[],
): string {
  const flagNames = (specs: readonly OptionSpec[]) =>
    [...optionNames(specs)].filter(([, named]) => hasFlag(named)).map(([name]) => name);
  const name = flag
    .replace(/^--(no-)?/, '')
    .replace(/=.*$/, '')
    .replace(/-/g, '_');
  const ownNames = flagNames(verbs.find((v) => v.name === verb)?.options ?? []);
  const elsewhere = verbs.filter((v) => flagNames(v.options).includes(name)).map((v) => v.name);
  const hint =
    elsewhere.length > 0 && !ownNames.includes(name)
      ? ` (an option of lora ${elsewhere.join(', ')})`
      : suggestion(name, ownNames).replace(/"([^"]+)"/, (_, n: string) => flagOf(n));
  return `unknown option '${flag}' for lora ${verb}${hint}`;
}
