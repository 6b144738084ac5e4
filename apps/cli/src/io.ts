// Where the CLI reads and writes: the real process, or captured buffers when tests call run(argv) in-process.

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
  /** subscribe to Ctrl-C (a long run saves a checkpoint and stops); returns the unsubscribe */
  onInterrupt?: (handler: () => void) => () => void;
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
      const listener = () => {
        // Ctrl-C under bin/lora.js reaches this process twice at once (the terminal, and the wrapper forwarding it)
        if (performance.now() - last < 250) return;
        last = performance.now();
        presses++;
        if (presses > 1) process.exit(130); // a second Ctrl-C does not wait for the checkpoint
        process.stderr.write(
          '\ninterrupt: saving a checkpoint at the end of this step (Ctrl-C again to quit now)\n',
        );
        handler();
      };
      process.on('SIGINT', listener);
      return () => void process.off('SIGINT', listener);
    },
  };
}

/** Print helpers bound to an io. */
export function printer(io: CliIo): { out: (line: string) => void; err: (line: string) => void } {
  return { out: (line) => io.stdout.write(`${line}\n`), err: (line) => io.stderr.write(`${line}\n`) };
}
