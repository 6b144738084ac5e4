// One verb's options from the spec defaults, a config file and the flags, in that order of precedence.
// A config may serve every verb: the verb takes the keys it has (under any of their names) and sets aside the keys
// of other verbs; two names for one option in the config (lr and learning_rate) are refused naming both, unless a
// flag gives the option, which decides. Two names on the command line are refused by repeated-flags.ts.
import { basename } from 'node:path';
import { type ConfigFile, type KnownKeys, readConfigFile } from './config-file.js';
import { ConfigError } from './errors.js';
import { optionNames } from './option-names.js';
import { flagOf, type OptionSpec } from './option-spec.js';
import type { OptionValues } from './option-types.js';
import { Options, resolvePath } from './options.js';

export interface VerbOptions<S extends OptionSpec = OptionSpec> {
  name: string;
  options: readonly S[];
}

export interface ResolvedOptions<V extends object> {
  options: Options<V>;
  /** config keys left to other verbs, in file order */
  ignored: string[];
}

/** The keys a config may hold for `verb`: its own names, and every name of every verb. */
export function knownKeys(verb: VerbOptions, verbs: readonly VerbOptions[]): KnownKeys {
  const usable = (specs: readonly OptionSpec[]) =>
    [...optionNames(specs).keys()].filter((k) => k !== 'config' && k !== 'debug');
  return { own: usable(verb.options), any: new Set(verbs.flatMap((v) => usable(v.options))) };
}

/**
 * axolotl's `adapter:` names the kind of adapter — lora, or qlora on a 4-bit base — and never a folder (axolotl's
 * folder is lora_model_dir), so a shared axolotl config does not send chat or eval looking for a folder "qlora".
 * Each mode → the quantization it implies (undefined: none implied).
 */
const AXOLOTL_ADAPTER_MODES: Readonly<Record<string, 'nf4' | undefined>> = { lora: undefined, qlora: 'nf4' };

/** The config's `adapter:` when it is an axolotl mode, not a folder. */
function adapterMode(config: ConfigFile): string | undefined {
  const value = config.entries.get('adapter')?.value;
  return typeof value === 'string' && Object.hasOwn(AXOLOTL_ADAPTER_MODES, value) ? value : undefined;
}

/**
 * Refuse a config that gives one option two different values under two of its names (lr: 1e-4 and learning_rate:
 * 2e-4), unless a flag decides it. Names that agree once converted (load_in_4bit: true and bnb_4bit_quant_type: nf4,
 * as a TRL/QLoRA recipe writes them) are one value said twice, and pass.
 */
function refuseTwoNames(config: ConfigFile, options: Options<object>, flagged: ReadonlySet<string>): void {
  const first = new Map<string, { name: string; value: string }>(); // option key → its first name and value
  const valueUnder = (name: string, raw: unknown) => {
    const scratch = new Options(options.verb, [...options.specs.values()], config);
    scratch.apply(name, raw, 'config', config.dir);
    return JSON.stringify(scratch.get(scratch.names.get(name)!.spec.key));
  };
  for (const [name, entry] of config.entries) {
    const key = options.names.get(name)?.spec.key;
    if (key === undefined || flagged.has(key) || (name === 'adapter' && adapterMode(config))) continue;
    const value = valueUnder(name, entry.value);
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, { name, value });
      continue;
    }
    if (earlier.value === value) continue;
    const line = config.entries.get(earlier.name)!.line;
    throw new ConfigError(
      `${basename(config.path)} line ${entry.line}: ${name}: expected one value for ${key}, got two (${earlier.name} on line ${line} says ${earlier.value}, this says ${value}); keep one, or give ${flagOf(key)}`,
    );
  }
}

/**
 * `flags`: [name as given, raw value] for each flag on the command line (names are option keys or aliases,
 * snake_case). Throws ConfigError or UsageError naming the key or flag.
 */
export function resolveOptions<S extends OptionSpec>(
  verb: VerbOptions<S>,
  verbs: readonly VerbOptions[],
  configPath: string | undefined,
  flags: readonly (readonly [string, unknown])[],
  cwd: string,
): ResolvedOptions<OptionValues<S>> {
  const config =
    configPath === undefined
      ? undefined
      : readConfigFile(resolvePath(cwd, configPath), knownKeys(verb, verbs), verb.name);
  const options = new Options<OptionValues<S>>(verb.name, verb.options, config);
  const ignored: string[] = [];
  if (config) {
    const flagged = new Set(flags.map(([name]) => options.names.get(name)?.spec.key));
    refuseTwoNames(config, options, flagged as Set<string>);
    const mode = adapterMode(config);
    for (const [name, entry] of config.entries) {
      if (name === 'adapter' && mode !== undefined) continue;
      if (options.names.has(name)) options.apply(name, entry.value, 'config', config.dir);
      else ignored.push(name);
    }
    const quant = mode === undefined ? undefined : AXOLOTL_ADAPTER_MODES[mode];
    if (quant !== undefined && options.specs.has('quant') && !options.given('quant') && !flagged.has('quant'))
      options.applyAs('quant', quant, 'adapter', config.dir);
  }
  for (const [name, raw] of flags) options.apply(name, raw, 'flag', cwd);
  return { options, ignored };
}
