// An in-memory CliIo for tests: run(argv, io) and read what was printed.
import { Readable } from 'node:stream';
import type { CliIo } from '../io.js';

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

export function captureIo(cwd: string, stdinLines?: string[]): CapturedIo {
  let stdout = '';
  let stderr = '';
  let stdin: NodeJS.ReadableStream | undefined;
  if (stdinLines) stdin = Readable.from(stdinLines.map((l) => `${l}\n`));
  return {
    stdout: { write: (t) => void (stdout += t) },
    stderr: { write: (t) => void (stderr += t) },
    stdin,
    cwd,
    isTTY: false,
    out: () => stdout,
    err: () => stderr,
  };
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Run the CLI in-process in `cwd`; stdin lines feed chat. */
export async function runCli(argv: string[], cwd: string, stdinLines?: string[]): Promise<CliResult> {
  const { run } = await import('../run.js');
  const io = captureIo(cwd, stdinLines);
  const code = await run(argv, io);
  return { code, out: io.out(), err: io.err() };
}

/** The last line of a text (e.g. eval --json's object). */
export function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines[lines.length - 1] ?? '';
}
