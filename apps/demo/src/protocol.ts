// Messages between the page and the training worker (structured-clone-able plain data, Files and bytes only).
import type { ChatMessage } from '@lora/chatml';
import type { ProgressEvent } from '@lora/sft';
import type { ChatFormatChoice } from './chat-setup.js';
import type { Nf4Stats } from './nf4-stats.js';
import type { Span } from './training-data.js';

export const BACKEND_CHOICES = ['wasm', 'webgpu', 'gpujs-webgl2', 'reference'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** The base model: stories260K as the page ships it, or the folder the person picked (kept in OPFS). */
export type ModelChoice =
  | { kind: 'default' }
  | { kind: 'stored' }
  | { kind: 'upload'; files: File[]; folder: string };

/** The data: the story-questions task, or a file the person picked. */
export type DataChoice = { kind: 'stories' } | { kind: 'upload'; name: string; bytes: Uint8Array };

export interface TrainRequest {
  type: 'train';
  backend: BackendChoice;
  /** the wasm backend's threads (more than 1: Web Workers over shared memory) */
  threads: number;
  /** continue the run in OPFS from its last checkpoint instead of starting afresh */
  resume: boolean;
}

export interface ChatRequest {
  type: 'chat';
  messages: ChatMessage[];
  /** 0 = greedy */
  temperature: number;
  maxNewTokens: number;
  seed: number;
}

export type ToWorker =
  | { type: 'model'; choice: ModelChoice }
  | { type: 'data'; choice: DataChoice }
  /**
   * the settings the person sets; the worker answers with the data preview and the memory estimate (on a GPU
   * backend, within its largest array)
   */
  | { type: 'settings'; chatFormat: ChatFormatChoice; steps: number; backend: BackendChoice }
  | TrainRequest
  /** end the training (at the next step, with a checkpoint) or the evaluation (after the current batch) */
  | { type: 'stop' }
  | ChatRequest;

export interface ModelInfo {
  label: string;
  /** "shipped" (stories260K), "picked" (just read from the person's files), "stored" (read back from OPFS) */
  origin: 'shipped' | 'picked' | 'stored';
  architecture: string;
  hiddenSize: number;
  layers: number;
  heads: string;
  vocabSize: number;
  parameters: number;
  weightBytes: number;
  /** the tokenizer's own chat template, if it has one */
  hasChatTemplate: boolean;
  /** NF4 statistics of the model's largest linear weight, with its name */
  nf4Weight: string;
  nf4: Nf4Stats[];
  seconds: number;
}

export interface DataInfo {
  label: string;
  format: string;
  train: number;
  eval: number;
  /** questions answered before and after (held-out conversations) */
  evalPrompts: number;
  /** tokenize statistics, one line per split */
  lines: string[];
  /** the first formatted training examples, as spans marked trained (loss) or not */
  preview: Span[][];
  chatFormat: string;
  /** a held-out question the fine-tuned model should answer, for the chat box (undefined without held-out data) */
  chatPrefill: string | undefined;
  steps: number;
}

export interface MemoryInfo {
  line: string;
  fits: boolean;
  refusal: string | undefined;
}

export interface Prediction {
  input: string;
  expected: string;
  got: string;
  /** got equals expected, ignoring case, surrounding space and trailing punctuation */
  correct: boolean;
}

export interface EvalResult {
  when: 'before' | 'after';
  correct: number;
  /** prompts answered (fewer than planned when Stop interrupted the evaluation) */
  total: number;
  planned: number;
  accuracy: number;
  evalLoss: number;
  perplexity: number;
  predictions: Prediction[];
}

export type ProgressInfo = ProgressEvent;

/** A run in OPFS that a reload can continue. */
export interface ResumableRun {
  step: number;
  maxSteps: number;
  model: string;
  data: string;
}

export interface TrainedInfo {
  seconds: number;
  steps: number;
  maxSteps: number;
  stopped: boolean;
  tokensPerSec: number;
}

export type FromWorker =
  | { type: 'ready'; isolated: boolean; backendReport: string; storedModel: string | undefined }
  | { type: 'model'; info: ModelInfo }
  | { type: 'data'; info: DataInfo }
  | { type: 'memory'; info: MemoryInfo }
  | { type: 'resumable'; run: ResumableRun }
  | { type: 'phase'; text: string }
  | { type: 'backend'; report: string }
  | {
      type: 'qlora';
      trainableLine: string;
      quantizedLinears: number;
      denseBytes: number;
      quantizedBytes: number;
    }
  | { type: 'eval-count'; when: 'before' | 'after'; done: number; total: number }
  | { type: 'eval'; result: EvalResult }
  | { type: 'progress'; info: ProgressInfo }
  | { type: 'eval-loss'; step: number; loss: number }
  | { type: 'trained'; info: TrainedInfo }
  /** the adapter (PEFT's two files) and the run's report, for the download buttons */
  | { type: 'files'; adapterConfig: string; adapterWeights: Uint8Array; report: string }
  | { type: 'chat-delta'; text: string }
  | { type: 'chat-done'; reason: 'stop' | 'length'; tokens: number }
  | { type: 'error'; message: string };
