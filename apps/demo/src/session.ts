// The whole flow the page shows, without the DOM or the worker plumbing: data, tokenizer and base model made in
// memory, then on request QLoRA (NF4 base + LoRA), held-out evaluation before, training, evaluation after, and chat.
import { deviceMemory } from '@lora/core';
import { getChatFormat, renderChat } from '@lora/chatml';
import type { LrSchedulerType } from '@lora/sft';
import { evaluateAnswers } from './answer-eval.js';
import { selectBackend } from './backend.js';
import { chatReply } from './chat-reply.js';
import { DEMO_DATA, type DemoData, type DemoDataOptions, makeDemoData } from './demo-data.js';
import { gaussianMatrix, nf4Stats } from './nf4-stats.js';
import type { BackendChoice, ChatRequest, FromWorker, SetupInfo } from './protocol.js';
import { buildQloraModel, DEMO_LORA, type LoraSettings, type QloraModel } from './qlora-model.js';
import { tinyQwen2, type TinyQwen2 } from './tiny-qwen2.js';
import { type TrainSettings, trainLoop } from './train-loop.js';

export interface DemoSettings {
  data: DemoDataOptions;
  lora: LoraSettings;
  training: Omit<TrainSettings, 'padTokenId'>;
  /** held-out prompts answered before and after (all of the eval split by default) */
  evalPrompts: number;
  maxNewTokens: number;
  modelSeed: number;
}

const lrScheduler: LrSchedulerType = 'linear';

/** The CLI's embedded default run, with the LoRA rank, scale, learning rate and epochs that make it learn (see DEMO_LORA). */
export const DEMO_SETTINGS: DemoSettings = {
  data: DEMO_DATA,
  lora: DEMO_LORA,
  training: {
    learningRate: 2e-3,
    lrScheduler,
    warmupSteps: 10,
    batchSize: 8,
    epochs: 3,
    maxGradNorm: 1,
    seed: 42,
    evalSteps: 20,
  },
  evalPrompts: 48,
  maxNewTokens: 8,
  modelSeed: 1,
};

export type Post = (message: FromWorker) => void;

/** How a caller steers a run: a yield between steps (a worker reads its messages there) and a stop flag. */
export interface RunControl {
  yieldBetweenSteps?: () => Promise<void>;
  shouldStop?: () => boolean;
}

export class DemoSession {
  readonly data: DemoData;
  readonly base: TinyQwen2;
  readonly settings: DemoSettings;
  readonly startupSeconds: number;
  #qlora: QloraModel | undefined;
  #busy = false;

  constructor(settings: DemoSettings = DEMO_SETTINGS) {
    const started = performance.now();
    this.settings = settings;
    this.data = makeDemoData(settings.data);
    const t = this.data.tokenizer;
    this.base = tinyQwen2({
      vocabSize: t.vocabSize,
      bosTokenId: t.tokenToId('<|endoftext|>')!,
      eosTokenId: t.tokenToId('<|im_end|>')!,
      seed: settings.modelSeed,
    });
    this.startupSeconds = (performance.now() - started) / 1000;
  }

  get padTokenId(): number {
    return this.data.tokenizer.tokenToId('<|endoftext|>')!;
  }

  get stopIds(): number[] {
    return ['<|im_end|>', '<|endoftext|>'].map((s) => this.data.tokenizer.tokenToId(s)!);
  }

  get trained(): boolean {
    return this.#qlora !== undefined && !this.#busy;
  }

  /** What the page shows before training: the data, the tokenizer, ChatML, the base model, NF4 on a random matrix. */
  setupInfo(isolated: boolean, backendReport: string): SetupInfo {
    const { dataset, tokenizer, trainStats } = this.data;
    const example = dataset.train[0]!;
    const sampleText = dataset.eval[0]!.sentence;
    const matrix = gaussianMatrix(256, 256, 11, 0.05);
    const config = this.base.config;
    return {
      crossOriginIsolated: isolated,
      backendReport,
      dataset: {
        train: dataset.train.length,
        eval: dataset.eval.length,
        labels: [...dataset.labels],
        instruction: dataset.instruction,
        examples: dataset.train.slice(0, 4).map((e) => ({ input: e.sentence, output: e.label })),
      },
      tokenizer: {
        vocabSize: tokenizer.vocabSize,
        sampleText,
        sampleTokens: tokenizer.encode(sampleText).map((id) => tokenizer.decode([id])),
        trainTokens: trainStats.tokens,
        labelTokens: trainStats.labelTokens,
      },
      chatml: renderChat(example.messages, getChatFormat('chatml')).segments,
      model: {
        architecture: 'Qwen2ForCausalLM',
        hiddenSize: config.hiddenSize,
        layers: config.numLayers,
        heads: `${config.numHeads} query / ${config.numKvHeads} key-value`,
        vocabSize: config.vocabSize,
        parameters: [...this.base.tensors.values()].reduce((n, t) => n + t.length, 0),
      },
      nf4: [
        nf4Stats(matrix, 256, 256, { quantType: 'nf4', doubleQuant: true }),
        nf4Stats(matrix, 256, 256, { quantType: 'nf4', doubleQuant: false }),
        nf4Stats(matrix, 256, 256, { quantType: 'fp4', doubleQuant: false }),
      ],
      seconds: this.startupSeconds,
    };
  }

  /** QLoRA from the base: quantize, add LoRA, evaluate, train, evaluate. Posts every stage. */
  async train(choice: BackendChoice, isolated: boolean, post: Post, control: RunControl = {}): Promise<void> {
    if (this.#busy) throw new Error('train: expected an idle session, got one that is already training');
    this.#busy = true;
    try {
      const backend = await selectBackend(choice, isolated);
      post({ type: 'backend', report: backend.report });
      post({
        type: 'phase',
        text: 'quantizing the base to NF4 (double quant) and adding LoRA to every linear',
      });
      const q = buildQloraModel(this.base, this.settings.lora);
      const memory = deviceMemory();
      if (!memory.host) await q.model.useMemory(memory); // webgpu: weights, adapter and buffers on the GPU
      this.#qlora = q;
      post({
        type: 'qlora',
        trainableLine: q.trainableLine,
        quantizedLinears: q.quantizedLinears,
        denseBytes: q.denseLinearBytes,
        quantizedBytes: q.quantizedLinearBytes,
      });
      const evalOptions = {
        batchSize: 16,
        maxNewTokens: this.settings.maxNewTokens,
        stopIds: this.stopIds,
        padTokenId: this.padTokenId,
      };
      const cases = this.data.evalCases.slice(0, this.settings.evalPrompts);
      post({ type: 'phase', text: `answering ${cases.length} held-out prompts with the base model` });
      post({
        type: 'eval',
        result: await evaluateAnswers('before', q.model, this.data.tokenizer, cases, this.data.eval, evalOptions),
      });
      post({ type: 'phase', text: 'training' });
      const trainable = { stepInto: q.model.stepInto.bind(q.model), parameters: () => q.lora.parameters() };
      const summary = await trainLoop(
        trainable,
        this.data.train,
        this.data.eval,
        { ...this.settings.training, padTokenId: this.padTokenId },
        {
          onStep: (e) => post({ type: 'progress', info: e }),
          onEval: (e) => post({ type: 'eval-loss', step: e.step, loss: e.metrics.eval_loss }),
          ...control,
        },
      );
      post({ type: 'phase', text: `answering ${cases.length} held-out prompts with the fine-tuned model` });
      post({
        type: 'eval',
        result: await evaluateAnswers('after', q.model, this.data.tokenizer, cases, this.data.eval, evalOptions),
      });
      post({
        type: 'trained',
        seconds: summary.seconds,
        steps: summary.steps,
        maxSteps: summary.maxSteps,
        stopped: summary.steps < summary.maxSteps,
      });
    } finally {
      this.#busy = false;
    }
  }

  /** Streams a reply from the fine-tuned model. */
  async chat(request: ChatRequest, post: Post): Promise<void> {
    const q = this.#qlora;
    if (!q || this.#busy)
      throw new Error('chat: expected a fine-tuned model, got none yet (press Train first)');
    const reply = await chatReply(
      q.model,
      this.data.tokenizer,
      request.messages,
      {
        temperature: request.temperature,
        maxNewTokens: request.maxNewTokens,
        seed: request.seed,
        stopIds: this.stopIds,
        padTokenId: this.padTokenId,
      },
      (text) => post({ type: 'chat-delta', text }),
    );
    post({ type: 'chat-done', reason: reply.reason, tokens: reply.tokens });
  }
}
