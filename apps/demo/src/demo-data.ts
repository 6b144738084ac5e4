// The demo's data, made in the page as the CLI's embedded default makes it on disk: the topic dataset, a byte-level
// BPE tokenizer trained on it (@lora/tokenize), the examples rendered with ChatML (@lora/chatml) and tokenized with
// the answer-only loss mask (@lora/datasets).
import { type ChatMessage, getChatFormat, renderChat } from '@lora/chatml';
import {
  createTokenizer,
  type TokenizedExample,
  type TokenizeStats,
  type TopicExample,
  type TopicTask,
  topicClassificationTask,
  topicCorpus,
} from '@lora/datasets';
import { Tokenizer, trainByteLevelBpe } from '@lora/tokenize';

/** The CLI's CHATML_TEMPLATE: the trained tokenizer's chat_template renders as @lora/chatml's builtin ChatML. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

export interface DemoDataOptions {
  seed: number;
  train: number;
  eval: number;
  vocabSize: number;
  /** tokens per example at most */
  maxLength: number;
}

/** The CLI's DEFAULT_DATA (seed 7, 480 train / 48 held-out, vocabulary 768) with its max_length 64. */
export const DEMO_DATA: DemoDataOptions = { seed: 7, train: 480, eval: 48, vocabSize: 768, maxLength: 64 };

export interface AnswerCase {
  /** the conversation before the answer */
  prompt: ChatMessage[];
  expected: string;
}

export interface DemoData {
  dataset: TopicTask;
  tokenizer: Tokenizer;
  /** tokenizer_config.json as trained */
  tokenizerConfig: Record<string, unknown>;
  train: TokenizedExample[];
  eval: TokenizedExample[];
  trainStats: TokenizeStats;
  /** held-out prompts and their labels, for accuracy by generation */
  evalCases: AnswerCase[];
}

/** ChatML text of a conversation, with the assistant header appended when a reply is wanted. */
export function renderChatml(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
  return renderChat(messages, 'chatml', { addGenerationPrompt }).text;
}

export function trainTokenizer(
  dataset: TopicTask,
  vocabSize: number,
): { tokenizer: Tokenizer; tokenizerConfig: Record<string, unknown> } {
  const trained = trainByteLevelBpe({
    corpus: topicCorpus(dataset),
    vocabSize,
    specialTokens: SPECIAL_TOKENS,
    eosToken: '<|im_end|>',
    padToken: '<|endoftext|>',
    modelMaxLength: 256,
    chatTemplate: CHATML_TEMPLATE,
  });
  const tokenizer = Tokenizer.fromJSON(trained.tokenizerJson, trained.tokenizerConfig);
  return { tokenizer, tokenizerConfig: trained.tokenizerConfig };
}

export function makeDemoData(options: DemoDataOptions = DEMO_DATA): DemoData {
  const dataset = topicClassificationTask({ seed: options.seed, train: options.train, eval: options.eval });
  const { tokenizer, tokenizerConfig } = trainTokenizer(dataset, options.vocabSize);
  const encode = (rows: TopicExample[]) => {
    const t = createTokenizer(tokenizer, {
      chatFormat: getChatFormat('chatml'),
      maxLength: options.maxLength,
    });
    const out = rows
      .map((e) => t.tokenize(e))
      .filter((x): x is TokenizedExample => x !== undefined);
    return { examples: out, stats: t.stats() };
  };
  const train = encode(dataset.train);
  const evalSet = encode(dataset.eval);
  const evalCases = dataset.eval.map((e) => ({ prompt: e.messages.slice(0, -1), expected: e.label }));
  return {
    dataset,
    tokenizer,
    tokenizerConfig,
    train: train.examples,
    eval: evalSet.examples,
    trainStats: train.stats,
    evalCases,
  };
}
