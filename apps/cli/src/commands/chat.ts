// lora chat: an interactive conversation with history (/reset, /exit), or one message given as an argument.
import { createInterface } from 'node:readline';
import type { ChatMessage } from '@lora/chatml';
import { UsageError } from '../errors.js';
import { samplingFrom, streamAnswer } from '../generation.js';
import { sessionLines, type InferenceSession, openSession } from '../inference.js';
import type { CliIo } from '../io.js';
import type { ChatOptions } from '../verb-options.js';
import type { CommandContext } from '../verbs.js';

const HELP = 'type a message; /reset forgets the conversation, /exit (or Ctrl-D) quits';

async function interactive(
  io: CliIo,
  session: InferenceSession,
  system: ChatMessage[],
  sampling: ReturnType<typeof samplingFrom>,
): Promise<void> {
  const terminal = (io.stdin as NodeJS.ReadStream).isTTY === true;
  const rl = createInterface({ input: io.stdin!, ...(terminal && { output: process.stdout, terminal }) });
  let history: ChatMessage[] = [...system];
  io.stdout.write(`${HELP}\nyou> `);
  for await (const line of rl) {
    const text = line.trim();
    if (text === '/exit' || text === '/quit') break;
    if (text === '/reset') {
      history = [...system];
      io.stdout.write('(conversation reset)\nyou> ');
      continue;
    }
    if (text === '') {
      io.stdout.write('you> ');
      continue;
    }
    history.push({ role: 'user', content: text });
    io.stdout.write('assistant> ');
    const answer = await streamAnswer(session, history, sampling, (piece) => io.stdout.write(piece));
    history.push({ role: 'assistant', content: answer.text });
    io.stdout.write(`${answer.finish === 'length' ? ' […]' : ''}\nyou> `);
  }
  rl.close();
  io.stdout.write('\n');
}

export async function chatCommand({ io, opts, options, args }: CommandContext<ChatOptions>): Promise<number> {
  const once = args.join(' ').trim();
  if (once === '' && io.stdin === undefined)
    throw new UsageError('lora chat: expected a message argument or an interactive input, got neither');
  const session = await openSession(options, io.cwd, 'chat');
  io.stderr.write(`${sessionLines(session).join('\n')}\n`);
  const system = opts.system;
  const systemMessages: ChatMessage[] = system ? [{ role: 'system', content: system }] : [];
  const sampling = samplingFrom(opts);
  if (once !== '') {
    await streamAnswer(session, [...systemMessages, { role: 'user', content: once }], sampling, (piece) =>
      io.stdout.write(piece),
    );
    io.stdout.write('\n');
    return 0;
  }
  await interactive(io, session, systemMessages, sampling);
  return 0;
}
