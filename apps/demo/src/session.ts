// The page's state without the DOM or the worker plumbing: the base model (a Hugging Face folder read from bytes),
// the data (the story task or an uploaded file), the run's settings, and once trained the QLoRA model to chat with
// and to download. Training itself is in training-run.ts.
import type { ChatFormat } from '@lora/chatml';
import type { TokenizedExample } from '@lora/datasets';
import { tensorSpecs } from '@lora/models';
import { chatReply } from './chat-reply.js';
import { type ChatFormatChoice, resolveChatFormat, stopTokenIds } from './chat-setup.js';
import { type DataSource, storySource } from './data-source.js';
import { type HfFolder, readHfFolder } from './hf-folder.js';
import { type ArrayLimit, estimateMemory } from './memory-estimate.js';
import type { ModelFiles } from './model-files.js';
import { nf4Stats } from './nf4-stats.js';
import type { ChatRequest, DataInfo, FromWorker, MemoryInfo, ModelInfo } from './protocol.js';
import type { QloraModel } from './qlora-model.js';
import { DEFAULT_SETTINGS, type RunSettings } from './run-settings.js';
import {
  type AnswerCase,
  answerCases,
  describeStats,
  labelSpans,
  tokenizeExamples,
} from './training-data.js';

export type Post = (message: FromWorker) => void;

/** The data as chosen: the story task (sized by the steps) or a file's examples. */
export type DataSpec = { kind: 'stories' } | { kind: 'source'; source: DataSource };

/** What a run trains on, tokenized for the model and format it was prepared with. */
export interface PreparedRun {
  base: HfFolder;
  model: ModelInfo;
  source: DataSource;
  data: DataInfo;
  settings: RunSettings;
  format: ChatFormat;
  train: TokenizedExample[];
  eval: TokenizedExample[];
  cases: AnswerCase[];
  stopIds: number[];
  padTokenId: number;
  memory: MemoryInfo;
}

/** Preview this many formatted training examples. */
const PREVIEW = 3;

/** NF4 / FP4 statistics of the largest linear weight of the first layer, as the base stores it. */
function nf4OfLargestLinear(folder: HfFolder): Pick<ModelInfo, 'nf4Weight' | 'nf4'> {
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const linears = tensorSpecs(folder.config).filter(
    (s) => s.role === 'linear' && s.kind === 'weight' && /\.0\./.test(s.name),
  );
  const largest = linears.reduce((a, b) => (size(b.shape) > size(a.shape) ? b : a), linears[0]!);
  const values = folder.readF32(largest.name)!;
  const [rows, cols] = largest.shape as [number, number];
  return {
    nf4Weight: `${largest.name} (${rows}×${cols})`,
    nf4: [
      nf4Stats(values, rows, cols, { quantType: 'nf4', doubleQuant: true }),
      nf4Stats(values, rows, cols, { quantType: 'nf4', doubleQuant: false }),
      nf4Stats(values, rows, cols, { quantType: 'fp4', doubleQuant: false }),
    ],
  };
}

export class DemoSession {
  #base: { folder: HfFolder; info: ModelInfo } | undefined;
  #data: DataSpec = { kind: 'stories' };
  #settings: RunSettings = DEFAULT_SETTINGS;
  #prepared: PreparedRun | undefined;
  /** the model of the last run, once it has trained (chat and downloads use it) */
  trained: { run: PreparedRun; qlora: QloraModel } | undefined;
  busy = false;

  get model(): ModelInfo | undefined {
    return this.#base?.info;
  }

  get settings(): RunSettings {
    return this.#settings;
  }

  /** Read a model folder; it becomes the base of the next run. Throws ModelFolderError naming the file. */
  async setBase(files: ModelFiles, origin: ModelInfo['origin']): Promise<ModelInfo> {
    const started = performance.now();
    const folder = await readHfFolder(files);
    const c = folder.config;
    const info: ModelInfo = {
      label: files.label.replace(/\/$/, ''),
      origin,
      architecture: c.architecture,
      hiddenSize: c.hiddenSize,
      layers: c.numLayers,
      heads: `${c.numHeads} query / ${c.numKvHeads} key-value`,
      vocabSize: c.vocabSize,
      parameters: folder.parameters,
      weightBytes: folder.weightBytes,
      hasChatTemplate: folder.tokenizer.chatTemplate !== undefined,
      ...nf4OfLargestLinear(folder),
      seconds: 0,
    };
    info.seconds = (performance.now() - started) / 1000;
    this.#base = { folder, info };
    this.#prepared = undefined;
    return info;
  }

  setData(spec: DataSpec): void {
    this.#data = spec;
    this.#prepared = undefined;
  }

  /**
   * Tokenize the data for the base with `chatFormat`, `steps` optimizer steps; returns the preview and the memory
   * estimate against `limit` (what the tab may use) and, on a GPU backend, within its largest array `array`.
   */
  configure(
    chatFormat: ChatFormatChoice,
    steps: number,
    limit: { bytes: number; source: string },
    array?: ArrayLimit,
  ): { data: DataInfo; memory: MemoryInfo } {
    const base = this.#base;
    if (!base) throw new Error('configure: expected a base model, got none yet (load one first)');
    if (!Number.isInteger(steps) || steps < 1)
      throw new Error(`configure: steps expected a whole number ≥ 1, got ${steps}`);
    const settings: RunSettings = { ...DEFAULT_SETTINGS, chatFormat, steps };
    const source =
      this.#data.kind === 'stories' ? storySource(steps * settings.batchSize) : this.#data.source;
    const { tokenizer, config } = base.folder;
    const format = resolveChatFormat(chatFormat, tokenizer);
    const maxLength = Math.min(settings.maxLength, config.maxPositions);
    const train = tokenizeExamples(source.train, tokenizer, format, maxLength);
    const held = tokenizeExamples(source.eval, tokenizer, format, maxLength);
    if (train.examples.length === 0)
      throw new Error(
        `${source.label}: expected examples left after tokenization, got none (${describeStats('train', train.stats)})`,
      );
    const cases = answerCases(source.eval).slice(0, settings.evalPrompts);
    const data: DataInfo = {
      label: source.label,
      format: source.format,
      train: train.examples.length,
      eval: held.examples.length,
      evalPrompts: cases.length,
      lines: [
        describeStats('train', train.stats),
        ...(source.eval.length > 0 ? [describeStats('held out', held.stats)] : []),
      ],
      preview: train.examples.slice(0, PREVIEW).map((e) => labelSpans(e, tokenizer)),
      chatFormat: format.name,
      chatPrefill: cases[0]?.prompt.at(-1)?.content,
      steps,
    };
    const seqLen = Math.max(...train.examples.map((e) => e.inputIds.length));
    const estimate = estimateMemory(config, settings, seqLen, base.folder.weightBytes, limit, array);
    const memory: MemoryInfo = { line: estimate.line, fits: estimate.fits, refusal: estimate.refusal };
    this.#settings = settings;
    this.#prepared = {
      base: base.folder,
      model: base.info,
      source,
      data,
      settings,
      format,
      train: train.examples,
      eval: held.examples,
      cases,
      stopIds: stopTokenIds(config.eosTokenIds, tokenizer),
      padTokenId: tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0,
      memory,
    };
    return { data, memory };
  }

  /** The run `configure` prepared; throws when there is none. */
  prepared(): PreparedRun {
    if (!this.#prepared)
      throw new Error('train: expected a base model and data, got none yet (load them first)');
    return this.#prepared;
  }

  /** Streams a reply from the fine-tuned model. */
  async chat(request: ChatRequest, post: Post): Promise<void> {
    const t = this.trained;
    if (!t || this.busy)
      throw new Error('chat: expected a fine-tuned model, got none yet (press Train first)');
    const reply = await chatReply(
      t.qlora.model,
      t.run.base.tokenizer,
      t.run.format,
      request.messages,
      {
        temperature: request.temperature,
        maxNewTokens: request.maxNewTokens,
        seed: request.seed,
        stopIds: t.run.stopIds,
        padTokenId: t.run.padTokenId,
      },
      (text) => post({ type: 'chat-delta', text }),
    );
    post({ type: 'chat-done', reason: reply.reason, tokens: reply.tokens });
  }
}
