// Runs a baseline's child process (PyTorch, the native ceiling) and turns every way it can fail into a reason.
import { spawnSync } from 'node:child_process';

/** A child's output that is not what the bench expects (no JSON, a missing case, a wrong field). */
export class BenchOutputError extends Error {
  override name = 'BenchOutputError';
}

export type ChildOutcome = { stdout: string } | { error: string };

export interface ChildOptions {
  timeoutMs: number;
  cwd?: string;
  /** variables added to this process's environment (a baseline's thread limits) */
  env?: Record<string, string>;
}

/** Run `command args` to completion; an error names what failed: spawn, exit status or signal, with stderr's last line. */
export function runChild(
  label: string,
  command: string,
  args: readonly string[],
  options: ChildOptions,
): ChildOutcome {
  const run = spawnSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs,
    maxBuffer: 1 << 24,
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    ...(options.env !== undefined && { env: { ...process.env, ...options.env } }),
  });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    return { error: `${label}: ${code === 'ENOENT' ? `${command} not found` : run.error.message}` };
  }
  if (run.status !== 0) {
    const last = String(run.stderr ?? '')
      .trim()
      .split('\n')
      .at(-1);
    return { error: `${label}: exited with ${run.status ?? run.signal}${last ? `: ${last}` : ''}` };
  }
  return { stdout: String(run.stdout) };
}

/** The last non-empty line of stdout as JSON. */
export function lastJsonLine(label: string, stdout: string): unknown {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch (cause) {
    throw new BenchOutputError(
      `${label}: expected a JSON line on stdout, got ${JSON.stringify(line.slice(-200))}`,
      { cause },
    );
  }
}

/** A finite number at `key` of `object`, or a BenchOutputError naming the key. */
export function numberAt(label: string, object: Record<string, unknown>, key: string): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new BenchOutputError(`${label}: "${key}" expected a finite number, got ${JSON.stringify(value)}`);
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
