// lora generate: one prompt → a streamed answer (chat template applied, or --raw text completion), with the
// generation speed on stderr. The prompt comes from --prompt, or from stdin with `--prompt -` or when piped.
import type { ChatMessage } from '@lora/chatml';
import { UsageError } from '../errors.js';
import { samplingFrom, streamAnswer, streamCompletion } from '../generation.js';
import { sessionLines, openSession } from '../inference.js';
import type { CliIo } from '../io.js';
import type { Options } from '../options.js';
import type { GenerateOptions } from '../verb-options.js';
import type { CommandContext } from '../verbs.js';

export async function generateCommand({
  io,
  opts,
  options,
}: CommandContext<GenerateOptions>): Promise<number> {
  const prompt = await promptOf(options, io);
  const session = await openSession(options, io.cwd, 'generate');
  io.stderr.write(`${sessionLines(session).join('\n')}\n`);
  const sampling = samplingFrom(opts);
  const write = (text: string) => io.stdout.write(text);
  let result: Awaited<ReturnType<typeof streamCompletion>>;
  if (opts.raw) {
    io.stdout.write(prompt);
    result = await streamCompletion(session, prompt, sampling, write);
  } else {
    const system = opts.system;
    const messages: ChatMessage[] = [
      ...(system ? [{ role: 'system', content: system }] : []),
      { role: 'user', content: prompt },
    ];
    result = await streamAnswer(session, messages, sampling, write);
  }
  io.stdout.write('\n');
  const ended =
    result.finish === 'stop'
      ? 'ended at a stop token'
      : `stopped at --max-new-tokens ${sampling.maxNewTokens}`;
  io.stderr.write(`${result.timer.summary()}; ${ended}\n`);
  return 0;
}

/** --prompt TEXT (an empty one too), `--prompt -` for stdin, or stdin when it is piped and --prompt is absent. */
async function promptOf(options: Options<GenerateOptions>, io: CliIo): Promise<string> {
  const given = options.given('prompt');
  const text = options.values.prompt ?? '';
  if (given && text !== '-') return text;
  const piped = io.stdin !== undefined && (io.stdin as NodeJS.ReadStream).isTTY !== true;
  if (!piped) {
    throw new UsageError(
      `lora generate: expected --prompt TEXT (--prompt "" starts from BOS alone) or text on stdin, got ${given ? '--prompt - with stdin a terminal' : 'neither'}`,
    );
  }
  const stdinText = await readAll(io.stdin!);
  if (stdinText === '' && !given) {
    throw new UsageError('lora generate: expected --prompt TEXT or text on stdin, got an empty stdin');
  }
  return stdinText.replace(/\r?\n$/, '');
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream)
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  return text;
}
