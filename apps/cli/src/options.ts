// Resolved options: spec defaults, then the config file, then flags; every value checked against its spec once,
// with the error naming the flag or the config key (as written: an alias is named as given) and its file and line.
import { isAbsolute, resolve } from 'node:path';
import type { Fail } from './alias-conversions.js';
import { type ConfigFile, where } from './config-file.js';
import { ConfigError, preview, UsageError } from './errors.js';
import { type NamedOption, optionNames } from './option-names.js';
import { flagOf, type OptionSpec } from './option-spec.js';

/** where a value came from; 'run' = the run folder's run_config.json (eval/chat/generate/merge --adapter RUN_DIR) */
export type OptionSource = 'default' | 'config' | 'flag' | 'run';

function describeRange(spec: OptionSpec): string {
  const { min, max, exclusive } = spec;
  if (min !== undefined && max !== undefined)
    return exclusive ? `in (${min}, ${max})` : `in [${min}, ${max}]`;
  if (min !== undefined) return exclusive ? `> ${min}` : `>= ${min}`;
  if (max !== undefined) return exclusive ? `< ${max}` : `<= ${max}`;
  return '';
}

function expectedOf(spec: OptionSpec): string {
  if (spec.rule) return spec.rule.expected(describeRange(spec)).trim();
  switch (spec.type) {
    case 'int':
      return `an integer ${describeRange(spec)}`.trim();
    case 'number':
      return `a number ${describeRange(spec)}`.trim();
    case 'boolean':
      return 'true or false';
    case 'choice':
      return `one of ${[...(spec.choices ?? []), ...(spec.pattern ? [spec.pattern.shown] : [])].join(', ')}`;
    case 'list':
      return 'a list or a comma-separated string';
    case 'object':
      return 'a mapping';
    case 'pairs':
      return 'name=value pairs (name=value,name=value; in a config also a mapping of names to text)';
    default:
      return 'a string';
  }
}

/**
 * A refused value for "got …": NaN and ±Infinity by name (JSON would print them as null), null as null, the
 * rest as `preview` shows it.
 */
export function shown(raw: unknown): string {
  if (typeof raw === 'number' && !Number.isFinite(raw)) return String(raw);
  if (typeof raw === 'string' && /^[+-]?(NaN|Infinity)$/.test(raw.trim())) return raw.trim();
  return preview(raw);
}

/**
 * Check and convert one value. `label` names where it came from (`--lora-r` or `train.yml line 4: lora_r`);
 * `baseDir` resolves relative paths. YAML `null` and `~` (and a key with no value) are refused like any other
 * wrong value: an option is given a real value or left out for its default, never silently unset.
 */
export function coerce(
  spec: OptionSpec,
  raw: unknown,
  label: string,
  baseDir: string,
  makeError: (m: string) => Error,
): unknown {
  const fail = (): never => {
    const hint =
      raw === null && spec.default !== undefined
        ? ` (leave it out for the default ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)})`
        : '';
    throw makeError(`${label}: expected ${expectedOf(spec)}, got ${shown(raw)}${hint}`);
  };
  switch (spec.type) {
    case 'int':
    case 'number': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && raw.trim() !== ''
            ? Number(raw)
            : Number.NaN;
      if (!Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n))) fail();
      const { min, max, exclusive } = spec;
      if (min !== undefined && (exclusive ? n <= min : n < min)) fail();
      if (max !== undefined && (exclusive ? n >= max : n > max)) fail();
      if (spec.rule && !spec.rule.test(n)) fail();
      return n;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      return fail();
    case 'choice': {
      // a YAML true/false for a choice that lists 'true' and 'false' (PEFT's init_lora_weights)
      const text = typeof raw === 'boolean' ? String(raw) : raw;
      if (typeof text === 'string' && (spec.choices?.includes(text) || spec.pattern?.test.test(text)))
        return text;
      const why = typeof raw === 'string' ? spec.refused?.[raw] : undefined;
      if (why !== undefined)
        throw makeError(`${label}: expected ${expectedOf(spec)}, got ${shown(raw)}: ${why}`);
      return fail();
    }
    case 'list': {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : fail();
      const list = items.map((x) =>
        typeof x === 'string' || typeof x === 'number' ? String(x).trim() : fail(),
      );
      if (list.length === 0 || list.some((x) => x === '')) fail();
      return list;
    }
    case 'object':
      if (typeof raw === 'object' && raw !== null) return raw;
      return fail();
    case 'pairs':
      return pairsOf(raw) ?? fail();
    case 'path':
      if (typeof raw !== 'string' || raw === '') fail();
      return isAbsolute(raw as string) ? raw : resolve(baseDir, raw as string);
    default:
      if (typeof raw === 'string' || typeof raw === 'number') return String(raw);
      return fail();
  }
}

/**
 * An alias's value as its option's: converted where the alias means something else (load_in_4bit: true → nf4),
 * then checked like the option's own value.
 */
function coerceNamed(
  { spec, alias }: NamedOption,
  raw: unknown,
  label: string,
  baseDir: string,
  makeError: (m: string) => Error,
): unknown {
  if (!alias?.convert) return coerce(spec, raw, label, baseDir, makeError);
  const fail: Fail = (expected, got) => {
    throw makeError(`${label}: expected ${expected}, got ${got ?? shown(raw)}`);
  };
  return coerce(spec, alias.convert(raw, fail), label, baseDir, makeError);
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `name=Ada,author=Lab` or `{ name: Ada, author: Lab }` as a record; undefined when it is neither. */
function pairsOf(raw: unknown): Record<string, string> | undefined {
  let entries: [string, unknown][];
  if (typeof raw === 'string') {
    const parts = raw.split(',').map((p) => p.split('='));
    if (parts.some((p) => p.length !== 2)) return undefined;
    entries = parts.map(([k, v]) => [k!.trim(), v!.trim()]);
  } else if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) entries = Object.entries(raw);
  else return undefined;
  if (entries.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (!NAME.test(k) || (typeof v !== 'string' && typeof v !== 'number')) return undefined;
    out[k] = String(v);
  }
  return out;
}

/**
 * The options of one verb after defaults, config and flags: `values` is the verb's typed object (option-types.ts),
 * the rest says where each value came from and how to name it in a message.
 */
export class Options<V extends object = Record<string, unknown>> {
  readonly verb: string;
  readonly specs: ReadonlyMap<string, OptionSpec>;
  /** every name of every option: keys and aliases */
  readonly names: ReadonlyMap<string, NamedOption>;
  readonly config: ConfigFile | undefined;
  /**
   * The typed object: a live read-only view of the values (a verb that sets a default, or takes the run's
   * settings, is seen by every later read); a boolean that was never set reads as false.
   */
  readonly values: V;
  private readonly map = new Map<string, unknown>();
  private readonly sources = new Map<string, OptionSource>();
  /** key → the name the value was given under, when that was an alias */
  private readonly givenAs = new Map<string, string>();
  private readonly noteLines = new Map<string, string>();

  constructor(verb: string, specs: readonly OptionSpec[], config?: ConfigFile) {
    this.verb = verb;
    this.specs = new Map(specs.map((s) => [s.key, s]));
    this.names = optionNames(specs);
    this.config = config;
    const view = {};
    for (const { key, type } of specs) {
      const get = type === 'boolean' ? () => this.map.get(key) === true : () => this.map.get(key);
      Object.defineProperty(view, key, { get, enumerable: true });
    }
    // The one place the declared types meet the stored values: every value was checked against its spec by
    // coerce() (config, flags, run settings, sweep trials) or is a default or value typed V by set()/fill().
    this.values = view as V;
    for (const spec of specs) if (spec.default !== undefined) this.assign(spec.key, spec.default, 'default');
  }

  /** Set one option (a default the verb computes: --output from --model). */
  set<K extends keyof V & string>(key: K, value: V[K], source: OptionSource): void {
    this.assign(key, value, source);
  }

  /** Set every option of `values` the user left unset (a preset such as the embedded default run). */
  fill(values: Partial<V>, source: OptionSource): void {
    for (const [key, value] of Object.entries(values))
      if (this.specs.has(key) && !isGiven(this.sourceOf(key))) this.assign(key, value, source);
  }

  /** Store a value already checked against its spec (or a spec default). */
  private assign(key: string, value: unknown, source: OptionSource): void {
    this.map.set(key, value);
    this.sources.set(key, source);
    this.givenAs.delete(key);
    this.noteLines.delete(key);
  }

  /**
   * Apply a raw value from the config file or a flag under one of the option's names (its key or an alias),
   * checking it against the spec.
   */
  apply(name: string, raw: unknown, source: 'config' | 'flag', baseDir: string): void {
    const named = this.names.get(name);
    if (!named) throw new UsageError(`lora ${this.verb}: unknown option "${name}"`);
    const key = named.spec.key;
    const label = source === 'flag' ? flagOf(name) : `${where(this.config!, name)}: ${name}`;
    const makeError = (m: string) => (source === 'flag' ? new UsageError(m) : new ConfigError(m));
    const value = coerceNamed(named, raw, label, baseDir, makeError);
    this.assign(key, value, source);
    if (name !== key) this.givenAs.set(key, name);
    const note = named.spec.note?.(value);
    if (note !== undefined) this.noteLines.set(key, `${label}: ${note}`);
  }

  /**
   * Apply a config value to option `key` under a config name that means something else there (axolotl's
   * `adapter: qlora` → quant nf4); messages name the config line of `name`.
   */
  applyAs(key: string, raw: unknown, name: string, baseDir: string): void {
    const spec = this.specs.get(key);
    if (spec === undefined || this.config === undefined) return;
    const label = `${where(this.config, name)}: ${name}`;
    this.assign(
      key,
      coerce(spec, raw, label, baseDir, (m) => new ConfigError(m)),
      'config',
    );
    this.givenAs.set(key, name);
  }

  /**
   * Take a value recorded by an earlier run (run_config.json), checked against this verb's spec; `label` names
   * the file and key for an error (`runs/a/run_config.json "max_length"`).
   */
  inherit(key: string, raw: unknown, label: string, baseDir: string): void {
    const spec = this.specs.get(key);
    if (spec === undefined) return;
    this.assign(
      key,
      coerce(spec, raw, label, baseDir, (m) => new ConfigError(m)),
      'run',
    );
  }

  /** One line per given value that is accepted but means less than its name says (see OptionSpec.note). */
  notes(): string[] {
    return [...this.noteLines.values()];
  }

  source(key: keyof V & string): OptionSource | undefined {
    return this.sourceOf(key);
  }

  private sourceOf(key: string): OptionSource | undefined {
    return this.map.has(key) ? this.sources.get(key) : undefined;
  }

  /** given by a flag or the config file (not a default) */
  given(key: keyof V & string): boolean {
    return isGiven(this.sourceOf(key));
  }

  /** how to name this option in a message: the flag, or the config file line, under the name it was given as */
  label(key: keyof V & string): string {
    const name = this.givenAs.get(key) ?? key;
    return this.source(key) === 'config' && this.config
      ? `${where(this.config, name)}: ${name}`
      : flagOf(name);
  }

  /** A value by a key known only at run time (a run_config.json key, a sweep parameter); `values` otherwise. */
  get(key: string): unknown {
    return this.map.get(key);
  }

  /** The value of an option the verb cannot run without; a UsageError naming its flag and config key if unset. */
  require<K extends keyof V & string>(key: K): NonNullable<V[K]> {
    const value = this.values[key];
    if (value === undefined || value === null) {
      throw new UsageError(`lora ${this.verb}: expected ${flagOf(key)} (or "${key}:" in --config), got none`);
    }
    return value;
  }

  /** A plain object of the resolved values (for run_config.json). */
  toRecord(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of [...this.map.keys()].sort()) {
      if (key === 'config' || key === 'debug') continue;
      out[key] = this.map.get(key);
    }
    return out;
  }

  /** A copy with some values replaced, each already checked against its spec (a sweep trial). */
  withOverrides(overrides: Record<string, unknown>): Options<V> {
    const copy = new Options<V>(this.verb, [...this.specs.values()], this.config);
    for (const [key, value] of this.map) copy.assign(key, value, this.sources.get(key) ?? 'default');
    for (const [key, name] of this.givenAs) copy.givenAs.set(key, name);
    for (const [key, value] of Object.entries(overrides)) copy.assign(key, value, 'config');
    return copy;
  }
}

function isGiven(source: OptionSource | undefined): boolean {
  return source === 'flag' || source === 'config';
}

export function resolvePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}
