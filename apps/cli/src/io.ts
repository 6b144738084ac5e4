// Where the CLI reads and writes: the real process, or captured buffers when tests call run(argv) in-process.
import { constants } from 'node:os';

export interface TextSink {
  write(text: string): void;
}

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  /** lines typed by the user (chat); undefined when there is no interactive input */
  stdin: NodeJS.ReadableStream | undefined;
  /** the folder user paths resolve against: pnpm's INIT_CWD (where `pnpm -s lora` was typed) or cwd */
  cwd: string;
  /** whether stdout is a terminal (progress bar) or not (plain lines) */
  isTTY: boolean;
  /** the stream the progress bar draws on when isTTY */
  ttyStream?: NodeJS.WritableStream;
  /**
   * subscribe to Ctrl-C and SIGTERM (a long run saves a checkpoint and stops; a supervisor's SIGTERM is a request
   * to stop, as in a container); returns the unsubscribe
   */
  onInterrupt?: (handler: (signal: StopSignal) => void) => () => void;
}

/** The signals that ask a run to stop after a checkpoint. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The exit status of a run stopped by `signal`, as a shell reports a process killed by it: 128 + its number. */
export function stoppedStatus(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

export function processIo(): CliIo {
  return {
    stdout: { write: (text) => void process.stdout.write(text) },
    stderr: { write: (text) => void process.stderr.write(text) },
    stdin: process.stdin,
    cwd: process.env.INIT_CWD ?? process.cwd(),
    isTTY: process.stdout.isTTY === true,
    ttyStream: process.stdout,
    onInterrupt(handler) {
      let presses = 0;
      let last = Number.NEGATIVE_INFINITY;
      const listener = (signal: StopSignal) => {
        // Ctrl-C under bin/lora.js reaches this process twice at once (the terminal, and the wrapper forwarding it)
        if (performance.now() - last < 250) return;
        last = performance.now();
        presses++;
        if (presses > 1) process.exit(stoppedStatus(signal)); // a second one does not wait for the checkpoint
        process.stderr.write(
          `\n${signal === 'SIGINT' ? 'interrupt' : 'SIGTERM'}: saving a checkpoint at the end of this step (Ctrl-C again to quit now)\n`,
        );
        handler(signal);
      };
      for (const signal of STOP_SIGNALS) process.on(signal, listener);
      return () => {
        for (const signal of STOP_SIGNALS) process.off(signal, listener);
      };
    },
  };
}

/** Print helpers bound to an io. */
export function printer(io: CliIo): { out: (line: string) => void; err: (line: string) => void } {
  return { out: (line) => io.stdout.write(`${line}\n`), err: (line) => io.stderr.write(`${line}\n`) };
}
