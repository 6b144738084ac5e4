// The embedded default run: on first use, write into <cwd>/runs/default/ (skipping what exists) the topic dataset,
// a byte-level BPE tokenizer trained on it, and a tiny seeded Qwen2 checkpoint; plus the hyperparameters tuned so
// that QLoRA visibly learns the task in a minute or two on 2 CPU cores.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type TopicExample, toPreparedRecord, topicClassificationTask, topicCorpus } from '@lora/datasets';
import { writeTinyCheckpoint } from '@lora/models';
import { Tokenizer, trainByteLevelBpe, writeTokenizerFiles } from '@lora/tokenize';
import { writeFileAtomic } from './atomic.js';
import { UsageError } from './errors.js';
import type { Options } from './options.js';

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export interface DefaultRunPaths {
  root: string;
  trainFile: string;
  evalFile: string;
  modelDir: string;
  outputDir: string;
}

/** The tiny Qwen2 base: sized so the default run takes 1–3 minutes on 2 cores. */
export const DEFAULT_MODEL = {
  hidden_size: 96,
  intermediate_size: 256,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  num_hidden_layers: 2,
  max_position_embeddings: 256,
  sliding_window: 256,
  max_window_layers: 2,
} as const;

export const DEFAULT_DATA = { seed: 7, train: 480, eval: 48, vocabSize: 768 } as const;

/**
 * Training options of the default run (used where the user gave no value): QLoRA NF4 + double quant on every
 * linear, ChatML, loss on the answers only.
 */
export const DEFAULT_TRAINING: Record<string, unknown> = {
  chat_template: 'model',
  quant: 'nf4',
  double_quant: true,
  target_modules: ['all-linear'],
  lora_r: 8,
  lora_alpha: 16,
  lora_dropout: 0,
  lr: 3e-3,
  lr_scheduler: 'linear',
  warmup_steps: 10,
  batch_size: 8,
  epochs: 6,
  max_length: 64,
  eval_steps: 30,
  logging_steps: 10,
  save_steps: 60,
  save_total_limit: 2,
  eval_prompts: 48,
  max_new_tokens: 8,
};

export function defaultRunPaths(cwd: string): DefaultRunPaths {
  const root = join(cwd, 'runs', 'default');
  return {
    root,
    trainFile: join(root, 'data', 'train.jsonl'),
    evalFile: join(root, 'data', 'eval.jsonl'),
    modelDir: join(root, 'base'),
    outputDir: join(root, 'output'),
  };
}

/** The task as `lora prepare` writes data: one `{ messages }` record per line. */
const jsonl = (rows: TopicExample[]) => rows.map((r) => JSON.stringify(toPreparedRecord(r))).join('\n') + '\n';

/** Create whatever of the default run is missing; `log` gets one line per thing made. */
export async function ensureDefaultRun(cwd: string, log: (line: string) => void): Promise<DefaultRunPaths> {
  const paths = defaultRunPaths(cwd);
  const dataset = topicClassificationTask({
    seed: DEFAULT_DATA.seed,
    train: DEFAULT_DATA.train,
    eval: DEFAULT_DATA.eval,
  });
  await mkdir(join(paths.root, 'data'), { recursive: true });
  if (!existsSync(paths.trainFile) || !existsSync(paths.evalFile)) {
    await writeFileAtomic(paths.evalFile, jsonl(dataset.eval));
    await writeFileAtomic(paths.trainFile, jsonl(dataset.train));
    log(
      `default: wrote the topic dataset (${dataset.train.length} train / ${dataset.eval.length} held-out) to ${join(paths.root, 'data')}`,
    );
  }
  if (!existsSync(join(paths.modelDir, 'tokenizer.json'))) {
    const trained = trainByteLevelBpe({
      corpus: topicCorpus(dataset),
      vocabSize: DEFAULT_DATA.vocabSize,
      specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
      eosToken: '<|im_end|>',
      padToken: '<|endoftext|>',
      modelMaxLength: DEFAULT_MODEL.max_position_embeddings,
      chatTemplate: CHATML_TEMPLATE,
    });
    await writeTokenizerFiles(paths.modelDir, trained);
    log(`default: trained a byte-level BPE tokenizer on the dataset into ${paths.modelDir}`);
  }
  if (!existsSync(join(paths.modelDir, 'config.json'))) {
    const tokenizer = await Tokenizer.fromDir(paths.modelDir);
    const endOfText = tokenizer.tokenToId('<|endoftext|>')!;
    const imEnd = tokenizer.tokenToId('<|im_end|>')!;
    const vocab = Math.ceil(tokenizer.vocabSize / 8) * 8;
    await writeTinyCheckpoint(paths.modelDir, 'qwen2', {
      seed: 1,
      overrides: { ...DEFAULT_MODEL, vocab_size: vocab, bos_token_id: endOfText, eos_token_id: imEnd },
    });
    const generation = {
      bos_token_id: endOfText,
      eos_token_id: [imEnd, endOfText],
      pad_token_id: endOfText,
      do_sample: false,
    };
    await writeFileAtomic(
      join(paths.modelDir, 'generation_config.json'),
      `${JSON.stringify(generation, null, 2)}\n`,
    );
    log(
      `default: wrote a tiny seeded Qwen2 checkpoint (hidden ${DEFAULT_MODEL.hidden_size}, ${DEFAULT_MODEL.num_hidden_layers} layers, vocab ${vocab}) to ${paths.modelDir}`,
    );
  }
  return paths;
}

/** With no --model and no --data: the embedded default, with its tuned options where the user set none. */
export async function applyEmbeddedDefault(
  options: Options,
  cwd: string,
  log: (line: string) => void,
): Promise<boolean> {
  if (options.given('model') || options.given('data')) return false;
  if (options.given('eval_data') || options.given('eval_split')) {
    throw new UsageError(
      'lora train: --eval-data/--eval-split need --model and --data (without them the embedded default runs)',
    );
  }
  const paths = await ensureDefaultRun(cwd, log);
  for (const [key, value] of Object.entries(DEFAULT_TRAINING))
    if (!options.given(key)) options.set(key, value, 'default');
  options.set('model', paths.modelDir, 'default');
  options.set('data', paths.trainFile, 'default');
  options.set('eval_data', paths.evalFile, 'default');
  if (!options.given('output')) options.set('output', paths.outputDir, 'default');
  return true;
}
