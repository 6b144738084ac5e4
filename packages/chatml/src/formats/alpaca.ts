// The Stanford Alpaca prompt (tatsu-lab/stanford_alpaca train.py PROMPT_DICT): the response follows
// "### Response:" directly and ends with EOS; only output + EOS train.
import { describeValue } from '../describe.js';
import { ChatFormatError } from '../errors.js';
import { SegmentBuilder } from '../segments.js';
import type { ChatFormat, ChatMessage, RenderedChat, RenderOptions } from '../types.js';
import { checkMessages } from './shared.js';

const PREAMBLE_INPUT =
  'Below is an instruction that describes a task, paired with an input that provides further context. ' +
  'Write a response that appropriately completes the request.\n\n';
const PREAMBLE_NO_INPUT =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n';

/** A Stanford Alpaca record: instruction, optional input, and the output. */
export interface AlpacaExample {
  instruction: string;
  /** Optional context; the with-input prompt is used when it is a non-empty string (as Stanford's code does). */
  input?: string;
  /** The response to train on; leave it out to get the inference prompt (ending with "### Response:"). */
  output?: string;
}

/** The Alpaca prompt for one example, with "### Response:" at its end. */
export function alpacaPrompt(example: Pick<AlpacaExample, 'instruction' | 'input'>): string {
  const { instruction, input } = example;
  if (input !== undefined && input !== '') {
    return `${PREAMBLE_INPUT}### Instruction:\n${instruction}\n\n### Input:\n${input}\n\n### Response:`;
  }
  return `${PREAMBLE_NO_INPUT}### Instruction:\n${instruction}\n\n### Response:`;
}

/**
 * Render one Alpaca example: the prompt (untrained), then output + EOS (trained). A `bosToken` is prepended
 * untrained. `eosToken` is required when `output` is given.
 * @throws ChatFormatError for non-string fields or a missing eosToken.
 */
export function renderAlpaca(example: AlpacaExample, options: RenderOptions = {}): RenderedChat {
  for (const key of ['instruction', 'input', 'output'] as const) {
    const value: unknown = example?.[key];
    if (typeof value !== 'string' && !(key !== 'instruction' && value === undefined)) {
      throw new ChatFormatError(`alpaca: ${key}: expected a string, got ${describeValue(value)}`);
    }
  }
  const out = new SegmentBuilder().push(options.bosToken ?? '', false).push(alpacaPrompt(example), false);
  if (example.output === undefined) return out.build();
  if (!options.eosToken) {
    throw new ChatFormatError(
      "alpaca: options.eosToken: expected the model's EOS token (e.g. '</s>' for Llama-2, '<|endoftext|>' for GPT-2), " +
        'got none; without it the model never learns to stop',
    );
  }
  return out.push(`${example.output}${options.eosToken}`, true).build();
}

/** Messages form: one user message (the instruction), optionally followed by one assistant message (the output). */
function renderAlpacaMessages(messages: readonly ChatMessage[], options: RenderOptions = {}): RenderedChat {
  const [user, assistant, ...rest] = checkMessages('alpaca', messages);
  if (user?.role !== 'user' || (assistant && assistant.role !== 'assistant') || rest.length > 0) {
    const roles = messages.map((m) => m.role).join(', ');
    throw new ChatFormatError(
      `alpaca: messages: expected [user] or [user, assistant] (one instruction, one response), got [${roles}]`,
    );
  }
  return renderAlpaca({ instruction: user.content, output: assistant?.content }, options);
}

export const alpacaFormat: ChatFormat = { name: 'alpaca', render: renderAlpacaMessages };
