// Generating answers for the CLI: conversations → prompt ids → @lora/models' generate (KV cache, batched,
// left-padded) → text, with streaming that never prints half a UTF-8 character.
import type { ChatFormat, ChatMessage } from '@lora/chatml';
import { type CausalLM, type GenerationConfig, generate, readGenerationConfig } from '@lora/models';
import type { Tokenizer } from '@lora/tokenize';
import { promptIds, stopTokenIds } from './session.js';

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
    eosTokenIds: stopTokenIds(g.model, g.tokenizer),
    ...(g.tokenizer.padTokenId !== undefined && { padTokenId: g.tokenizer.padTokenId }),
  };
}

/** Text of generated ids without the special tokens (the stop token that ended it included). */
export function answerText(tokenizer: Tokenizer, ids: readonly number[]): string {
  return tokenizer.decode(ids, { skipSpecialTokens: true }).trim();
}

/** Answers to many conversations, `batchSize` prompts per generate call. */
export async function generateAnswers(
  g: Generator,
  conversations: readonly ChatMessage[][],
  s: SamplingOptions,
  batchSize = 16,
): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < conversations.length; i += batchSize) {
    const prompts = conversations.slice(i, i + batchSize).map((c) => promptIds(g.tokenizer, g.format, c));
    const result = await generate(g.model, prompts, generateOptions(g, s));
    for (const ids of result.tokens) answers.push(answerText(g.tokenizer, ids));
  }
  return answers;
}

/**
 * Decodes a growing list of ids and hands out only the new text; holds back a trailing U+FFFD (a multi-byte
 * character not complete yet) until the next token completes it.
 */
export class StreamDecoder {
  readonly #tokenizer: Tokenizer;
  readonly #ids: number[] = [];
  #emitted = '';

  constructor(tokenizer: Tokenizer) {
    this.#tokenizer = tokenizer;
  }

  push(id: number): string {
    this.#ids.push(id);
    const text = this.#tokenizer.decode(this.#ids, { skipSpecialTokens: true });
    if (text.endsWith('\uFFFD') || !text.startsWith(this.#emitted)) return '';
    const fresh = text.slice(this.#emitted.length);
    this.#emitted = text;
    return fresh;
  }

  get text(): string {
    return this.#tokenizer.decode(this.#ids, { skipSpecialTokens: true });
  }
}

/** One streamed answer: each new piece of text goes to `write` as it is generated. */
export async function streamAnswer(
  g: Generator,
  conversation: readonly ChatMessage[],
  s: SamplingOptions,
  write: (text: string) => void,
): Promise<{ text: string; finish: string; tokens: number }> {
  const decoder = new StreamDecoder(g.tokenizer);
  const prompt = promptIds(g.tokenizer, g.format, conversation);
  const result = await generate(g.model, [prompt], generateOptions(g, s), (_b, id) => {
    const piece = decoder.push(id);
    if (piece) write(piece);
  });
  return {
    text: decoder.text.trim(),
    finish: result.finishReasons[0] ?? 'length',
    tokens: result.tokens[0]?.length ?? 0,
  };
}

/** Raw completion of a text prompt (no chat template), streamed. */
export async function streamCompletion(
  g: Generator,
  text: string,
  s: SamplingOptions,
  write: (text: string) => void,
): Promise<{ text: string; finish: string; tokens: number }> {
  const decoder = new StreamDecoder(g.tokenizer);
  const prompt = g.tokenizer.encode(text);
  const result = await generate(g.model, [prompt], generateOptions(g, s), (_b, id) => {
    const piece = decoder.push(id);
    if (piece) write(piece);
  });
  return {
    text: decoder.text,
    finish: result.finishReasons[0] ?? 'length',
    tokens: result.tokens[0]?.length ?? 0,
  };
}

/** Sampling options from --max-new-tokens, --temperature, --top-p, --top-k, --repetition-penalty, --seed. */
export function samplingFrom(options: { number(key: string): number | undefined }): SamplingOptions {
  return {
    maxNewTokens: options.number('max_new_tokens') ?? 100,
    temperature: options.number('temperature') ?? 0.7,
    topP: options.number('top_p') ?? 1,
    topK: options.number('top_k') ?? 0,
    repetitionPenalty: options.number('repetition_penalty') ?? 1,
    seed: options.number('seed') ?? 42,
  };
}
