// lora generate: one prompt → a streamed answer (chat template applied, or --raw text completion).
import type { ChatMessage } from '@lora/chatml';
import { UsageError } from '../errors.js';
import { samplingFrom, streamAnswer, streamCompletion } from '../generation.js';
import { describeTarget, openSession } from '../inference.js';
import type { CommandContext } from '../verbs.js';

export async function generateCommand({ io, options }: CommandContext): Promise<number> {
  const prompt = options.string('prompt');
  if (prompt === undefined || prompt === '')
    throw new UsageError('lora generate: expected --prompt TEXT, got none');
  const session = await openSession(options, io.cwd, 'generate');
  io.stderr.write(`${session.backendLine}\nmodel: ${describeTarget(session)}\n`);
  const sampling = samplingFrom(options);
  const write = (text: string) => io.stdout.write(text);
  if (options.bool('raw')) {
    io.stdout.write(prompt);
    await streamCompletion(session, prompt, sampling, write);
  } else {
    const system = options.string('system');
    const messages: ChatMessage[] = [
      ...(system ? [{ role: 'system', content: system }] : []),
      { role: 'user', content: prompt },
    ];
    await streamAnswer(session, messages, sampling, write);
  }
  io.stdout.write('\n');
  return 0;
}
