// Generating answers for the CLI: conversations → prompt ids → @lora/models' generate (KV cache, batched,
// left-padded) → text, with streaming that never prints half a UTF-8 character.
import type { ChatFormat, ChatMessage } from '@lora/chatml';
import { type CausalLM, type GenerationConfig, generate, readGenerationConfig } from '@lora/models';
import type { Tokenizer } from '@lora/tokenize';
import { UsageError } from './errors.js';
import { promptIds } from '@lora/datasets';
import { modelStopTokenIds } from './session.js';
import type { SamplingValues } from './verb-options.js';

export interface SamplingOptions {
  maxNewTokens: number;
  /** 0 = greedy */
  temperature: number;
  topP: number;
  topK: number;
  repetitionPenalty: number;
  seed: number;
}

export const GREEDY: Omit<SamplingOptions, 'maxNewTokens'> = {
  temperature: 0,
  topP: 1,
  topK: 0,
  repetitionPenalty: 1,
  seed: 0,
};

export interface Generator {
  model: CausalLM;
  tokenizer: Tokenizer;
  format: ChatFormat;
  generationConfig: GenerationConfig;
}

export async function createGenerator(
  model: CausalLM,
  tokenizer: Tokenizer,
  format: ChatFormat,
  modelDir: string,
): Promise<Generator> {
  return { model, tokenizer, format, generationConfig: await readGenerationConfig(modelDir) };
}

function generateOptions(g: Generator, s: SamplingOptions) {
  return {
    maxNewTokens: s.maxNewTokens,
    doSample: s.temperature > 0,
    temperature: s.temperature > 0 ? s.temperature : 1,
    topP: s.topP,
    topK: s.topK,
    repetitionPenalty: s.repetitionPenalty,
    seed: s.seed,
    eosTokenIds: modelStopTokenIds(g.model, g.tokenizer),
    ...(g.tokenizer.padTokenId !== undefined && { padTokenId: g.tokenizer.padTokenId }),
  };
}

/**
 * Text of generated ids without the special tokens (the stop token that ended it included), and without the
 * replacement characters of a multi-byte character that --max-new-tokens cut before it was complete.
 */
export function answerText(tokenizer: Tokenizer, ids: readonly number[]): string {
  return tokenizer
    .decode(ids, { skipSpecialTokens: true })
    .replace(/\uFFFD+$/u, '')
    .trim();
}

/** Answers to many conversations (or raw text prompts), `batchSize` prompts per generate call. */
export async function generateAnswers(
  g: Generator,
  conversations: readonly (readonly ChatMessage[] | string)[],
  s: SamplingOptions,
  batchSize = 16,
): Promise<string[]> {
  const answers: string[] = [];
  const idsOf = (c: readonly ChatMessage[] | string) =>
    typeof c === 'string' ? g.tokenizer.encode(c) : promptIds(g.tokenizer, g.format, c);
  for (let i = 0; i < conversations.length; i += batchSize) {
    const prompts = conversations.slice(i, i + batchSize).map(idsOf);
    const result = await generate(g.model, prompts, generateOptions(g, s));
    for (const ids of result.tokens) answers.push(answerText(g.tokenizer, ids));
  }
  return answers;
}

/**
 * Decodes a growing list of ids and hands out only the new text; holds back a trailing U+FFFD (a multi-byte
 * character not complete yet) until the next token completes it. The new ids are decoded together with the
 * `context` ids before them (a raw prompt), so a decoder that strips the text's first space (sentencepiece) or
 * joins bytes across the boundary gives the continuation exactly as it reads in the whole text.
 */
export class StreamDecoder {
  readonly #tokenizer: Tokenizer;
  readonly #ids: number[];
  readonly #contextText: string;
  #emitted = '';

  constructor(tokenizer: Tokenizer, context: readonly number[] = []) {
    this.#tokenizer = tokenizer;
    this.#ids = [...context];
    this.#contextText = this.#decode();
  }

  push(id: number): string {
    this.#ids.push(id);
    const text = this.#continuation();
    if (text === undefined || text.endsWith('\uFFFD') || !text.startsWith(this.#emitted)) return '';
    const fresh = text.slice(this.#emitted.length);
    this.#emitted = text;
    return fresh;
  }

  /** Everything after the context, as decoded so far (undefined if the context no longer decodes as a prefix). */
  get text(): string {
    return this.#continuation() ?? this.#emitted;
  }

  #decode(): string {
    return this.#tokenizer.decode(this.#ids, { skipSpecialTokens: true });
  }

  #continuation(): string | undefined {
    const text = this.#decode();
    return text.startsWith(this.#contextText) ? text.slice(this.#contextText.length) : undefined;
  }
}

/** How long generation took: the first token (prefill included) and the rate of the tokens after it. */
export class GenerationTimer {
  readonly #start = performance.now();
  #first: number | undefined;
  #last: number | undefined;
  #count = 0;

  token(): void {
    const now = performance.now();
    this.#first ??= now;
    this.#last = now;
    this.#count++;
  }

  /** `40 new tokens in 1.20 s: the first after 0.31 s, then 33.6 tokens/s` */
  summary(): string {
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    if (this.#first === undefined || this.#last === undefined) return '0 new tokens';
    const total = `${this.#count} new token${this.#count === 1 ? '' : 's'} in ${seconds(this.#last - this.#start)}`;
    if (this.#count < 2) return `${total} (prefill included)`;
    const rate = ((this.#count - 1) * 1000) / Math.max(this.#last - this.#first, 1e-3);
    return `${total}: the first after ${seconds(this.#first - this.#start)}, then ${rate.toFixed(1)} tokens/s`;
  }
}

export interface StreamResult {
  text: string;
  finish: string;
  tokens: number;
  timer: GenerationTimer;
}

/** One streamed answer: each new piece of text goes to `write` as it is generated. */
export async function streamAnswer(
  g: Generator,
  conversation: readonly ChatMessage[],
  s: SamplingOptions,
  write: (text: string) => void,
): Promise<StreamResult> {
  const result = await streamIds(g, promptIds(g.tokenizer, g.format, conversation), [], s, write);
  return { ...result, text: result.text.trim() };
}

/**
 * Raw completion of a text prompt (no chat template), streamed: the continuation is decoded together with the
 * prompt. An empty prompt starts from BOS alone (the tokenizer's, else the model's `bos_token_id`).
 */
export async function streamCompletion(
  g: Generator,
  text: string,
  s: SamplingOptions,
  write: (text: string) => void,
): Promise<StreamResult> {
  let prompt = g.tokenizer.encode(text);
  if (prompt.length === 0) {
    const bos = g.tokenizer.bosTokenId ?? g.model.config.bosTokenId;
    if (bos === undefined) {
      throw new UsageError(
        'lora generate: an empty prompt starts from the BOS token, but neither the tokenizer nor config.json names one: give --prompt some text',
      );
    }
    prompt = [bos];
  }
  return streamIds(g, prompt, prompt, s, write);
}

async function streamIds(
  g: Generator,
  prompt: readonly number[],
  context: readonly number[],
  s: SamplingOptions,
  write: (text: string) => void,
): Promise<StreamResult> {
  const decoder = new StreamDecoder(g.tokenizer, context);
  const timer = new GenerationTimer();
  const result = await generate(g.model, [prompt], generateOptions(g, s), (_b, id) => {
    timer.token();
    const piece = decoder.push(id);
    if (piece) write(piece);
  });
  return {
    text: decoder.text,
    finish: result.finishReasons[0] ?? 'length',
    tokens: result.tokens[0]?.length ?? 0,
    timer,
  };
}

/** Sampling options from --max-new-tokens, --temperature, --top-p, --top-k, --repetition-penalty, --seed. */
export function samplingFrom(opts: SamplingValues): SamplingOptions {
  return {
    maxNewTokens: opts.max_new_tokens,
    temperature: opts.temperature,
    topP: opts.top_p,
    topK: opts.top_k,
    repetitionPenalty: opts.repetition_penalty,
    seed: opts.seed,
  };
}
