// One verb's options from the spec defaults, a config file and the flags, in that order of precedence.
// A config may serve every verb: the verb takes the keys it has (under any of their names) and sets aside the keys
// of other verbs; two names for one option in the config (lr and learning_rate) are refused naming both, unless a
// flag gives the option, which decides. Two names on the command line are refused by repeated-flags.ts.
import { basename } from 'node:path';
import { type ConfigFile, type KnownKeys, readConfigFile } from './config-file.js';
import { ConfigError } from './errors.js';
import { optionNames } from './option-names.js';
import { flagOf, type OptionSpec } from './option-spec.js';
import { Options, resolvePath } from './options.js';

export interface VerbOptions {
  name: string;
  options: readonly OptionSpec[];
}

export interface ResolvedOptions {
  options: Options;
  /** config keys left to other verbs, in file order */
  ignored: string[];
}

/** The keys a config may hold for `verb`: its own names, and every name of every verb. */
export function knownKeys(verb: VerbOptions, verbs: readonly VerbOptions[]): KnownKeys {
  const usable = (specs: readonly OptionSpec[]) =>
    [...optionNames(specs).keys()].filter((k) => k !== 'config' && k !== 'debug');
  return { own: usable(verb.options), any: new Set(verbs.flatMap((v) => usable(v.options))) };
}

/** Refuse a config that names one option twice (under two of its names), unless a flag decides it. */
function refuseTwoNames(config: ConfigFile, options: Options, flagged: ReadonlySet<string>): void {
  const first = new Map<string, string>(); // option key → the first name it was given under
  for (const [name, entry] of config.entries) {
    const key = options.names.get(name)?.spec.key;
    if (key === undefined || flagged.has(key)) continue;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, name);
      continue;
    }
    const line = config.entries.get(earlier)!.line;
    throw new ConfigError(
      `${basename(config.path)} line ${entry.line}: ${name}: expected one name for ${key}, got two (${earlier} on line ${line} too); keep one, or give ${flagOf(key)}`,
    );
  }
}

/**
 * `flags`: [name as given, raw value] for each flag on the command line (names are option keys or aliases,
 * snake_case). Throws ConfigError or UsageError naming the key or flag.
 */
export function resolveOptions(
  verb: VerbOptions,
  verbs: readonly VerbOptions[],
  configPath: string | undefined,
  flags: readonly (readonly [string, unknown])[],
  cwd: string,
): ResolvedOptions {
  const config =
    configPath === undefined
      ? undefined
      : readConfigFile(resolvePath(cwd, configPath), knownKeys(verb, verbs), verb.name);
  const options = new Options(verb.name, verb.options, config);
  const ignored: string[] = [];
  if (config) {
    const flagged = new Set(flags.map(([name]) => options.names.get(name)?.spec.key));
    refuseTwoNames(config, options, flagged as Set<string>);
    for (const [name, entry] of config.entries) {
      if (options.names.has(name)) options.apply(name, entry.value, 'config', config.dir);
      else ignored.push(name);
    }
  }
  for (const [name, raw] of flags) options.apply(name, raw, 'flag', cwd);
  return { options, ignored };
}
