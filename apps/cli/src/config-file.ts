// YAML config files: parsed with line numbers so every error names the file and line of the key it is about. One
// file may serve every verb: it may hold any key some verb takes (each verb then takes its own, see
// resolve-options.ts); a key no verb takes is refused here, with a did-you-mean over every name.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { suggestion } from './did-you-mean.js';
import { ConfigError } from './errors.js';

export interface ConfigEntry {
  value: unknown;
  /** 1-based line of the key */
  line: number;
}

export interface ConfigFile {
  /** absolute path */
  path: string;
  /** the folder relative paths in it resolve against */
  dir: string;
  /** by key as written (an option's key or an alias), in file order */
  entries: Map<string, ConfigEntry>;
}

/** The keys a config may hold: the verb's own names first (did-you-mean prefers them), then every verb's. */
export interface KnownKeys {
  own: readonly string[];
  any: ReadonlySet<string>;
}

/** `train.yml line 4` */
export function where(file: ConfigFile, key: string): string {
  const line = file.entries.get(key)?.line;
  return `${basename(file.path)}${line === undefined ? '' : ` line ${line}`}`;
}

/**
 * Read a YAML mapping. Throws ConfigError for a missing or unreadable file, invalid YAML (with its line and
 * column), a top level that is not a mapping, or a key no verb takes (with a did-you-mean over every name).
 */
export function readConfigFile(path: string, known: KnownKeys, verb: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `config ${path}: expected a readable YAML file, got ${code === 'ENOENT' ? 'no such file' : String(code)}`,
      {
        cause,
      },
    );
  }
  const name = basename(path);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    const reason = first.message.split('\n')[0] ?? first.message;
    throw new ConfigError(`${name} line ${pos.line} column ${pos.col}: expected valid YAML, got ${reason}`, {
      cause: first,
    });
  }
  const entries = new Map<string, ConfigEntry>();
  if (doc.contents === null) return { path, dir: dirname(path), entries };
  if (!isMap(doc.contents)) {
    throw new ConfigError(
      `${name}: expected a mapping of option: value at the top level, got ${doc.contents.constructor.name}`,
    );
  }
  for (const pair of doc.contents.items) {
    const keyNode = pair.key;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const offset = isScalar(keyNode) && keyNode.range ? keyNode.range[0] : 0;
    const line = lineCounter.linePos(offset).line;
    if (!known.any.has(key)) {
      throw new ConfigError(
        `${name} line ${line}: unknown key "${key}" for lora ${verb}${suggestion(key, [...known.own, ...known.any])}`,
      );
    }
    const value: unknown = isNode(pair.value) ? pair.value.toJS(doc) : pair.value;
    entries.set(key, { value, line });
  }
  return { path, dir: dirname(path), entries };
}
