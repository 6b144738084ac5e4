// Tiny model folders of each architecture for CLI tests: a byte-level BPE tokenizer trained on the topic task
// with the architecture's own special tokens, and a seeded checkpoint whose vocab and bos/eos ids match it.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BuiltinFormatName, getChatFormat } from '@lora/chatml';
import { TOPIC_INSTRUCTION, type TopicExample, topicClassificationTask, topicCorpus } from '@lora/datasets';
import { type Architecture, writeTinyCheckpoint } from '@lora/models';
import { Tokenizer, trainByteLevelBpe, writeTokenizerFiles } from '@lora/tokenize';

/** ChatML as a jinja chat_template, for the Qwen2 tokenizers (it renders as @lora/chatml's builtin ChatML). */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

interface ArchitectureTokens {
  specials: string[];
  bos?: string;
  eos: string;
  pad?: string;
  /** the --chat-template the tests use with it */
  chatTemplate: string;
  /** config.json key overrides beyond the token ids */
  extra?: Record<string, unknown>;
}

export const ARCHITECTURE_TOKENS: Record<Architecture, ArchitectureTokens> = {
  qwen2: {
    specials: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
    eos: '<|im_end|>',
    pad: '<|endoftext|>',
    chatTemplate: 'model',
  },
  llama: { specials: ['<unk>', '<s>', '</s>'], bos: '<s>', eos: '</s>', chatTemplate: 'zephyr' },
  gemma: {
    specials: ['<pad>', '<eos>', '<bos>', '<start_of_turn>', '<end_of_turn>'],
    bos: '<bos>',
    eos: '<eos>',
    pad: '<pad>',
    chatTemplate: 'gemma',
  },
  gemma2: {
    specials: ['<pad>', '<eos>', '<bos>', '<start_of_turn>', '<end_of_turn>'],
    bos: '<bos>',
    eos: '<eos>',
    pad: '<pad>',
    chatTemplate: 'gemma',
  },
  mistral: { specials: ['<unk>', '<s>', '</s>'], bos: '<s>', eos: '</s>', chatTemplate: 'llama2' },
  phi3: { specials: ['<unk>', '<s>', '</s>'], bos: '<s>', eos: '</s>', pad: '<unk>', chatTemplate: 'zephyr' },
  gpt2: {
    specials: ['<|endoftext|>'],
    bos: '<|endoftext|>',
    eos: '<|endoftext|>',
    chatTemplate: 'alpaca',
    extra: { n_positions: 128, n_ctx: 128 },
  },
};

/** The task rendered in the architecture's chat format, so the tokenizer learns the template's words too. */
function renderedCorpus(
  template: string,
  examples: readonly TopicExample[],
  t: ArchitectureTokens,
): string[] {
  const format = getChatFormat((template === 'model' ? 'chatml' : template) as BuiltinFormatName);
  return examples.map(
    (e) =>
      format.render(
        [{ role: 'system', content: 'You are a helpful assistant.' }, ...e.messages].slice(
          template === 'gemma' || template === 'alpaca' ? 1 : 0,
        ),
        { eosToken: t.eos, ...(t.bos && { bosToken: t.bos }) },
      ).text,
  );
}

/** Write `dir` with tokenizer files and a seeded tiny checkpoint of `architecture`; returns its tokenizer. */
export async function writeTinyModel(
  dir: string,
  architecture: Architecture,
  extraCorpus: string[] = [],
): Promise<Tokenizer> {
  const t = ARCHITECTURE_TOKENS[architecture];
  const dataset = topicClassificationTask({ seed: 3, train: 64, eval: 16 });
  const trained = trainByteLevelBpe({
    corpus: [...topicCorpus(dataset), ...renderedCorpus(t.chatTemplate, dataset.train, t), ...extraCorpus],
    vocabSize: 600,
    specialTokens: t.specials,
    eosToken: t.eos,
    ...(t.bos && { bosToken: t.bos }),
    ...(t.pad && { padToken: t.pad }),
    ...(architecture === 'qwen2' && { chatTemplate: CHATML_TEMPLATE }),
  });
  await writeTokenizerFiles(dir, trained);
  const tokenizer = await Tokenizer.fromDir(dir);
  const id = (token: string | undefined) => (token === undefined ? undefined : tokenizer.tokenToId(token));
  const vocab = Math.ceil(tokenizer.vocabSize / 8) * 8;
  await writeTinyCheckpoint(dir, architecture, {
    seed: 5,
    overrides: {
      vocab_size: vocab,
      bos_token_id: id(t.bos) ?? id(t.eos),
      eos_token_id: id(t.eos),
      ...(t.pad && { pad_token_id: id(t.pad) }),
      ...t.extra,
    },
  });
  return tokenizer;
}

export interface AlpacaRow {
  instruction: string;
  input: string;
  output: string;
}

/** Topic examples as Alpaca instruction/input/output rows (the CLI's `instruction` format). */
export const alpacaRows = (examples: readonly TopicExample[]): AlpacaRow[] =>
  examples.map((e) => ({ instruction: TOPIC_INSTRUCTION, input: e.sentence, output: e.label }));

/** The topic task as JSONL files (instruction format) under `dir`. */
export async function writeTopicData(
  dir: string,
  sizes = { train: 24, eval: 8 },
): Promise<{ train: string; eval: string; examples: TopicExample[] }> {
  await mkdir(dir, { recursive: true });
  const data = topicClassificationTask({ seed: 11, ...sizes });
  const train = join(dir, 'train.jsonl');
  const evalFile = join(dir, 'eval.jsonl');
  const jsonl = (rows: readonly TopicExample[]) =>
    alpacaRows(rows)
      .map((e) => JSON.stringify(e))
      .join('\n');
  await writeFile(train, jsonl(data.train));
  await writeFile(evalFile, jsonl(data.eval));
  return { train, eval: evalFile, examples: data.eval };
}
