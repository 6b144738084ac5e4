// The CLI's own errors: bad flags, bad config files, and a flow that cannot go on (e.g. chat before any training).

/** A problem with what the user asked for; printed as one line on stderr, exit code 1 (or `exitCode`). */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A flag value or a combination of flags that cannot be used. */
export class UsageError extends CliError {
  override name = 'UsageError';
}

/** A config file that cannot be used: unreadable, not YAML, an unknown key, a value of the wrong type. */
export class ConfigError extends CliError {
  override name = 'ConfigError';
}

/** A value rendered for "got …" in messages: strings quoted, long values cut. */
export function preview(value: unknown, max = 60): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const s = JSON.stringify(value);
    return s.length > max ? `${s.slice(0, max - 2)}…"` : s;
  }
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return `a mapping with keys [${Object.keys(value).join(', ')}]`;
  return `${typeof value} ${String(value)}`;
}

/** One line for stderr: the message with line breaks folded (the packages' named errors already say where). */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/** The full stack of an error and its causes, for `--debug`. */
export function fullStack(error: unknown): string {
  const out: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    out.push(depth === 0 ? '' : 'caused by:');
    out.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return out.filter((l) => l !== '').join('\n');
}
