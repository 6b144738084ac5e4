// `run(argv, io)`: parse with commander, resolve options (defaults < --config < flags), run the verb, and turn any
// error into one line on stderr and a non-zero exit code (the stack only with --debug).
import { Command, CommanderError } from 'commander';
import { releaseBackend } from './backend.js';
import { addFlags, givenFlags, unknownFlagMessage } from './command-flags.js';
import { suggestion } from './did-you-mean.js';
import { CliError, fullStack, oneLine } from './errors.js';
import { type CliIo, processIo } from './io.js';
import { refuseRepeatedFlags } from './repeated-flags.js';
import { resolveOptions } from './resolve-options.js';
import { VERBS } from './verbs.js';

function buildProgram(io: CliIo, onDone: (code: number) => void): Command {
  const program = new Command('lora')
    .description(
      'QLoRA / LoRA fine-tuning of small language models: train, eval, generate, chat, merge, quantize, prepare, sweep',
    )
    .showSuggestionAfterError(false) // unknown flags get our did-you-mean (aliases too), see run()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: () => undefined,
    });
  program.addHelpText(
    'after',
    '\nRun `lora <verb> --help` for the options of a verb; with no arguments `lora train` fine-tunes the embedded default.',
  );
  for (const verb of VERBS) {
    const command = program
      .command(verb.name)
      .description(verb.summary)
      .exitOverride()
      .configureOutput({
        writeOut: (s) => io.stdout.write(s),
        writeErr: (s) => io.stderr.write(s),
        outputError: () => undefined,
      });
    if (verb.args) command.argument(verb.args.name, verb.args.description);
    addFlags(command, verb.options);
    refuseRepeatedFlags(command, verb.options);
    const configOnly = verb.options.filter((s) => s.configOnly).map((s) => s.key);
    const extra = configOnly.length > 0 ? `\nConfig-only keys: ${configOnly.join(', ')}` : '';
    command.addHelpText('after', `${extra}\nExamples:\n${verb.examples.map((e) => `  ${e}`).join('\n')}`);
    command.action(async (...actionArgs: unknown[]) => {
      const cmd = actionArgs[actionArgs.length - 1] as Command;
      const args = verb.args ? ((actionArgs[0] as string[] | undefined) ?? []) : [];
      const configPath = cmd.opts().config as string | undefined;
      const resolved = resolveOptions(verb, VERBS, configPath, givenFlags(cmd, verb.options), io.cwd);
      const { options, ignored } = resolved;
      for (const note of options.notes()) io.stderr.write(`note: ${note}\n`);
      if (ignored.length > 0 && options.get('debug') === true) {
        io.stderr.write(
          `debug: ${configPath}: keys of other verbs, not used by lora ${verb.name}: ${ignored.join(', ')}\n`,
        );
      }
      const handler = await verb.load();
      try {
        onDone(await handler({ io, opts: options.values, options, args }));
      } finally {
        await releaseBackend();
      }
    });
  }
  return program;
}

/** Errors that are not a package's named error: probably a bug, so point at --debug. */
const INTERNAL_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

/** Run the `lora` command line in-process; resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const debug = argv.includes('--debug');
  let code = 0;
  try {
    const program = buildProgram(io, (c) => {
      code = c;
    });
    if (argv.length === 0) {
      io.stdout.write(program.helpInformation());
      return 0;
    }
    const verb = argv[0]!;
    if (!verb.startsWith('-') && !VERBS.some((v) => v.name === verb) && verb !== 'help') {
      throw new CliError(
        `unknown verb "${verb}": expected one of ${VERBS.map((v) => v.name).join(', ')}${suggestion(
          verb,
          VERBS.map((v) => v.name),
        )}`,
      );
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.exitCode === 0 ||
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version'
      )
        return 0;
      const unknown = /^error: unknown option '([^']+)'/.exec(error.message);
      const message =
        unknown && VERBS.some((v) => v.name === argv[0])
          ? unknownFlagMessage(unknown[1]!, argv[0]!, VERBS)
          : error.message.replace(/^error: /, '');
      io.stderr.write(`${prefixed(oneLine(message))}\n`);
      return error.exitCode || 1;
    }
    const internal = error instanceof Error && INTERNAL_ERRORS.has(error.name);
    io.stderr.write(`${prefixed(oneLine(error))}${internal && !debug ? ' (--debug shows the stack)' : ''}\n`);
    if (debug) io.stderr.write(`${fullStack(error)}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}

/** One error line starts with `lora` once: `lora: …`, or the message itself when it names its verb (`lora chat: …`). */
function prefixed(line: string): string {
  return /^lora [a-z]+:/.test(line) ? line : `lora: ${line}`;
}
