// `run(argv, io)`: parse with commander, resolve options (defaults < --config < flags), run the verb, and turn any
// error into one line on stderr and a non-zero exit code (the stack only with --debug).
import { Command, CommanderError, Option } from 'commander';
import { releaseBackend } from './backend.js';
import { readConfigFile } from './config-file.js';
import { suggestion } from './did-you-mean.js';
import { CliError, fullStack, oneLine } from './errors.js';
import { type CliIo, processIo } from './io.js';
import { attributeOf, flagOf, type OptionSpec } from './option-spec.js';
import { Options, resolvePath } from './options.js';
import { refuseRepeatedFlags } from './repeated-flags.js';
import { VERBS, type VerbDefinition } from './verbs.js';

function optionFor(spec: OptionSpec): Option[] {
  const flag = flagOf(spec.key);
  if (spec.type === 'boolean') {
    const options = [new Option(flag, spec.description)];
    if (spec.negatable)
      options.push(new Option(`--no-${flag.slice(2)}`, `do not ${spec.description}`).hideHelp());
    return options;
  }
  const arg =
    spec.arg ??
    (spec.type === 'int' || spec.type === 'number' ? 'n' : spec.type === 'choice' ? 'value' : 'value');
  const option = new Option(`${flag} <${arg}>`, spec.description);
  if (spec.choices) option.choices(spec.choices as string[]);
  const shown =
    spec.default === undefined
      ? ''
      : ` (default: ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)})`;
  option.description = `${spec.description}${shown}`;
  return [option];
}

function resolveOptions(
  verb: VerbDefinition,
  parsed: Record<string, unknown>,
  command: Command,
  io: CliIo,
): Options {
  const configPath = parsed.config as string | undefined;
  const allowed = verb.options.filter((s) => s.key !== 'config' && s.key !== 'debug').map((s) => s.key);
  const config =
    configPath === undefined
      ? undefined
      : readConfigFile(resolvePath(io.cwd, configPath), allowed, verb.name);
  const options = new Options(verb.name, verb.options, config);
  if (config)
    for (const [key, entry] of config.entries) options.apply(key, entry.value, 'config', config.dir);
  for (const spec of verb.options) {
    if (spec.configOnly) continue;
    const attribute = attributeOf(spec.key);
    if (command.getOptionValueSource(attribute) !== 'cli') continue;
    options.apply(spec.key, parsed[attribute], 'flag', io.cwd);
  }
  return options;
}

function buildProgram(io: CliIo, onDone: (code: number) => void): Command {
  const program = new Command('lora')
    .description(
      'QLoRA / LoRA fine-tuning of small language models: train, eval, generate, chat, merge, quantize, prepare, sweep',
    )
    .showSuggestionAfterError(true)
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
    for (const spec of verb.options)
      if (!spec.configOnly) for (const option of optionFor(spec)) command.addOption(option);
    refuseRepeatedFlags(command, verb.options);
    const configOnly = verb.options.filter((s) => s.configOnly).map((s) => s.key);
    const extra = configOnly.length > 0 ? `\nConfig-only keys: ${configOnly.join(', ')}` : '';
    command.addHelpText('after', `${extra}\nExamples:\n${verb.examples.map((e) => `  ${e}`).join('\n')}`);
    command.action(async (...actionArgs: unknown[]) => {
      const cmd = actionArgs[actionArgs.length - 1] as Command;
      const parsed = cmd.opts();
      const args = verb.args ? ((actionArgs[0] as string[] | undefined) ?? []) : [];
      const options = resolveOptions(verb, parsed, cmd, io);
      const handler = await verb.load();
      try {
        onDone(await handler({ io, options, args }));
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
      io.stderr.write(`${prefixed(oneLine(error.message.replace(/^error: /, '')))}\n`);
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
