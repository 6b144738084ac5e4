// Messages between the page and the training worker (structured-clone-able plain data only).
import type { ChatMessage } from '@lora/chatml';
import type { Nf4Stats } from './nf4-stats.js';

export const BACKEND_CHOICES = ['wasm', 'webgpu', 'gpujs-webgl2', 'reference'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface TrainRequest {
  type: 'train';
  backend: BackendChoice;
}

export interface ChatRequest {
  type: 'chat';
  messages: ChatMessage[];
  /** 0 = greedy */
  temperature: number;
  maxNewTokens: number;
  seed: number;
}

/** End the training at the next step boundary; the run then evaluates what it has. */
export interface StopRequest {
  type: 'stop';
}

export type ToWorker = TrainRequest | ChatRequest | StopRequest;

export interface SetupInfo {
  crossOriginIsolated: boolean;
  backendReport: string;
  dataset: {
    train: number;
    eval: number;
    labels: string[];
    instruction: string;
    examples: { input: string; output: string }[];
  };
  tokenizer: {
    vocabSize: number;
    sampleText: string;
    sampleTokens: string[];
    trainTokens: number;
    labelTokens: number;
  };
  /** one training example rendered with ChatML, split into untrained / trained spans */
  chatml: { text: string; train: boolean }[];
  model: {
    architecture: string;
    hiddenSize: number;
    layers: number;
    heads: string;
    vocabSize: number;
    parameters: number;
  };
  nf4: Nf4Stats[];
  seconds: number;
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
  total: number;
  accuracy: number;
  evalLoss: number;
  perplexity: number;
  predictions: Prediction[];
}

export interface ProgressInfo {
  step: number;
  maxSteps: number;
  epoch: number;
  loss: number;
  lr: number;
  tokensPerSec: number;
  etaSeconds: number;
}

export type FromWorker =
  | { type: 'ready'; info: SetupInfo }
  | { type: 'phase'; text: string }
  | { type: 'backend'; report: string }
  | {
      type: 'qlora';
      trainableLine: string;
      quantizedLinears: number;
      denseBytes: number;
      quantizedBytes: number;
    }
  | { type: 'eval'; result: EvalResult }
  | { type: 'progress'; info: ProgressInfo }
  | { type: 'eval-loss'; step: number; loss: number }
  | { type: 'trained'; seconds: number; steps: number; maxSteps: number; stopped: boolean }
  | { type: 'chat-delta'; text: string }
  | { type: 'chat-done'; reason: 'stop' | 'length'; tokens: number }
  | { type: 'error'; message: string };
