// A toy causal LM for tests, demos and memory checks — not a transformer: embedding → tanh(linear) with
// dropout → lm_head, cross-entropy over vocab chunks through @lora/core's kernels (the fused-CE layout the models use).
import { type F32, kernel, type Parameter } from '@lora/core';
import { TrainerConfigError } from './errors.js';
import type { StepOptions, StepResult, TokenBatch, TrainableModel } from './model.js';
import { createRng } from './rng.js';

/** The parameter names of `ToyLM`. */
export const TOY_PARAMETER_NAMES = [
  'model.embed_tokens.weight',
  'model.fc.weight',
  'model.fc.bias',
  'lm_head.weight',
] as const;
/** A parameter name of `ToyLM`. */
export type ToyParameterName = (typeof TOY_PARAMETER_NAMES)[number];

/** Options of `ToyLM`, the small model the trainer's tests train. */
export interface ToyLMConfig {
  vocabSize: number;
  hiddenSize: number;
  /** dropout probability on the hidden activations while training; default 0 */
  dropout?: number;
  /** vocab rows per logits chunk; default vocabSize (one chunk) */
  vocabChunk?: number;
  /** initialisation seed; default 0 */
  seed?: number;
  /** parameters to freeze (trainable = false); default none */
  frozen?: readonly ToyParameterName[];
  /** initial values by name (row-major), overriding the seeded init */
  weights?: Partial<Record<ToyParameterName, ArrayLike<number>>>;
}

/** Bytes the last step allocated, by part (for checking the memory planner). */
export interface ToyStepBytes {
  /** X, H, dropout mask and dropped H kept for backward, plus dH while training (N·C floats each) */
  activations: number;
  /** the logits chunk, its gradient chunk (training) and six per-row vectors (5 in evaluation) */
  logitsChunk: number;
}

export class ToyLM implements TrainableModel {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly dropout: number;
  readonly vocabChunk: number;
  readonly #params: Map<ToyParameterName, Parameter>;
  #bytes: ToyStepBytes = { activations: 0, logitsChunk: 0 };

  constructor(config: ToyLMConfig) {
    const { vocabSize: V, hiddenSize: C, dropout = 0, seed = 0, frozen = [], weights = {} } = config;
    const chunk = config.vocabChunk ?? V;
    for (const [key, v] of Object.entries({ vocabSize: V, hiddenSize: C, vocabChunk: chunk })) {
      if (!Number.isInteger(v) || v <= 0)
        throw new TrainerConfigError(key, `ToyLM ${key}: expected an integer > 0, got ${v}`);
    }
    if (!(dropout >= 0 && dropout < 1))
      throw new TrainerConfigError('dropout', `ToyLM dropout: expected a number in [0, 1), got ${dropout}`);
    this.vocabSize = V;
    this.hiddenSize = C;
    this.dropout = dropout;
    this.vocabChunk = Math.min(chunk, V);
    const rng = createRng(seed);
    const shapes: Record<ToyParameterName, number[]> = {
      'model.embed_tokens.weight': [V, C],
      'model.fc.weight': [C, C],
      'model.fc.bias': [C],
      'lm_head.weight': [V, C],
    };
    this.#params = new Map();
    for (const name of TOY_PARAMETER_NAMES) {
      const shape = shapes[name];
      const n = shape.reduce((a, b) => a * b, 1);
      const scale = name === 'model.embed_tokens.weight' ? 1 : 1 / Math.sqrt(C);
      const data = new Float32Array(n);
      const given = weights[name];
      if (given) {
        if (given.length !== n)
          throw new TrainerConfigError(
            name,
            `ToyLM weights["${name}"]: expected ${n} values, got ${given.length}`,
          );
        data.set(Array.from(given));
      } else {
        for (let i = 0; i < n; i++) data[i] = (2 * rng.next() - 1) * scale;
      }
      const trainable = !frozen.includes(name);
      this.#params.set(name, {
        name,
        shape,
        data,
        grad: trainable ? new Float32Array(n) : undefined,
        trainable,
        decay: name !== 'model.fc.bias',
      });
    }
  }

  parameters(): Parameter[] {
    return [...this.#params.values()];
  }

  /** What the last step allocated (see ToyStepBytes). */
  lastStepBytes(): ToyStepBytes {
    return { ...this.#bytes };
  }

  /** The step, read back (a toy on the host: nothing is queued). */
  async step(batch: TokenBatch, options: StepOptions): Promise<StepResult> {
    return this.#run(batch, options);
  }

  /** Adds [Σ token loss, tokens, correct] into `stats`, which must be a host array (the toy runs on the host only). */
  stepInto(batch: TokenBatch, options: StepOptions, stats: F32): void {
    if (!(stats instanceof Float32Array))
      throw new TrainerConfigError('model', 'ToyLM: expected host arrays (a CPU backend), got a device array for stats');
    const r = this.#run(batch, options);
    stats[0] = stats[0]! + r.lossSum;
    stats[1] = stats[1]! + r.tokens;
    stats[2] = stats[2]! + r.correct;
  }

  #run(batch: TokenBatch, options: StepOptions): StepResult {
    const { batch: B, seqLen: T } = batch;
    const V = this.vocabSize;
    const C = this.hiddenSize;
    const N = B * T;
    const E = this.#params.get('model.embed_tokens.weight')!;
    const W1 = this.#params.get('model.fc.weight')!;
    const b1 = this.#params.get('model.fc.bias')!;
    const W2 = this.#params.get('lm_head.weight')!;
    const matmul = kernel('matmul');
    const targets = new Int32Array(N); // (N) label of the next position, -100 at the end of each row
    for (let r = 0; r < B; r++) {
      for (let t = 0; t < T; t++) targets[r * T + t] = t + 1 < T ? batch.labels[r * T + t + 1]! : -100;
    }
    const X = new Float32Array(N * C); // (N, C)
    kernel('embedding')({ ids: batch.inputIds, table: E.data, out: X, tokens: N, dim: C });
    const alpha = options.neftuneNoiseAlpha;
    if (options.training && alpha && options.rng) {
      const mag = alpha / Math.sqrt(T * C); // NEFTune: uniform(-mag, mag), mag = alpha / sqrt(L · d)
      for (let i = 0; i < X.length; i++) X[i] = X[i]! + (2 * options.rng() - 1) * mag;
    }
    const H = new Float32Array(N * C); // (N, C) A = X·W1ᵀ + b, then tanh in place
    matmul({ a: X, b: W1.data, out: H, m: N, n: C, k: C, transB: true });
    const bias = host(b1.data);
    for (let i = 0; i < H.length; i++) H[i] = Math.tanh(H[i]! + bias[i % C]!);
    const mask = new Float32Array(N * C); // (N, C) inverted-dropout scale per element
    const Hd = new Float32Array(N * C); // (N, C)
    const p = options.training ? this.dropout : 0;
    for (let i = 0; i < Hd.length; i++) {
      mask[i] = p > 0 && options.rng ? (options.rng() >= p ? 1 / (1 - p) : 0) : 1;
      Hd[i] = H[i]! * mask[i]!;
    }
    const chunk = this.vocabChunk;
    const logits = new Float32Array(N * chunk); // (N, chunk)
    const runningMax = new Float32Array(N).fill(Number.NEGATIVE_INFINITY);
    const runningSum = new Float32Array(N);
    const targetLogit = new Float32Array(N);
    const argmax = new Int32Array(N);
    for (let v0 = 0; v0 < V; v0 += chunk) {
      const cols = Math.min(chunk, V - v0);
      matmul({
        a: Hd,
        b: W2.data.subarray(v0 * C, (v0 + cols) * C),
        out: logits,
        m: N,
        n: cols,
        k: C,
        transB: true,
      });
      for (let r = 0; r < N; r++) {
        let best = runningMax[r]!; // first index of the maximum wins, as torch.argmax
        for (let c = 0; c < cols; c++) {
          if (logits[r * cols + c]! > best) {
            best = logits[r * cols + c]!;
            argmax[r] = v0 + c;
          }
        }
      }
      kernel('crossEntropyChunk')({
        logits,
        rows: N,
        cols,
        vocabStart: v0,
        targets,
        runningMax,
        runningSum,
        targetLogit,
      });
    }
    const lse = new Float32Array(N);
    let lossSum = 0;
    let tokens = 0;
    let correct = 0;
    for (let r = 0; r < N; r++) {
      lse[r] = runningMax[r]! + Math.log(runningSum[r]!);
      if (targets[r]! < 0) continue;
      lossSum += lse[r]! - targetLogit[r]!;
      tokens++;
      if (argmax[r] === targets[r]) correct++;
    }
    const perRow =
      runningMax.byteLength +
      runningSum.byteLength +
      targetLogit.byteLength +
      lse.byteLength +
      argmax.byteLength;
    this.#bytes = {
      activations: X.byteLength + H.byteLength + mask.byteLength + Hd.byteLength,
      logitsChunk: logits.byteLength + perRow,
    };
    if (options.backward) this.#backward(batch, targets, X, H, mask, Hd, lse, logits, options.lossScale ?? 1);
    return { lossSum, tokens, correct };
  }

  #backward(
    batch: TokenBatch,
    targets: Int32Array,
    X: Float32Array,
    H: Float32Array,
    mask: Float32Array,
    Hd: Float32Array,
    lse: Float32Array,
    logits: Float32Array,
    scale: number,
  ): void {
    const V = this.vocabSize;
    const C = this.hiddenSize;
    const N = batch.batch * batch.seqLen;
    const [E, W1, b1, W2] = TOY_PARAMETER_NAMES.map((n) => this.#params.get(n)!) as [
      Parameter,
      Parameter,
      Parameter,
      Parameter,
    ];
    const matmul = kernel('matmul');
    const chunk = this.vocabChunk;
    const rowScale = new Float32Array(N).fill(scale);
    const dlogits = new Float32Array(N * chunk); // (N, chunk)
    const dH = new Float32Array(N * C); // (N, C) gradient of Hd, then of A
    this.#bytes.logitsChunk += dlogits.byteLength + rowScale.byteLength;
    this.#bytes.activations += dH.byteLength;
    for (let v0 = 0; v0 < V; v0 += chunk) {
      const cols = Math.min(chunk, V - v0);
      const w = W2.data.subarray(v0 * C, (v0 + cols) * C); // (cols, C)
      matmul({ a: Hd, b: w, out: logits, m: N, n: cols, k: C, transB: true });
      kernel('crossEntropyChunkBackward')({
        logits,
        rows: N,
        cols,
        vocabStart: v0,
        targets,
        lse,
        rowScale,
        dlogits,
      });
      if (W2.grad) {
        matmul({
          a: dlogits,
          b: Hd,
          out: W2.grad.subarray(v0 * C, (v0 + cols) * C),
          m: cols,
          n: C,
          k: N,
          transA: true,
          accumulate: true,
        });
      }
      matmul({ a: dlogits, b: w, out: dH, m: N, n: C, k: cols, accumulate: true });
    }
    for (let i = 0; i < dH.length; i++) dH[i] = dH[i]! * mask[i]! * (1 - H[i]! * H[i]!); // through dropout and tanh
    if (W1.grad) matmul({ a: dH, b: X, out: W1.grad, m: C, n: C, k: N, transA: true, accumulate: true });
    if (b1.grad) {
      const grad = host(b1.grad);
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let r = 0; r < N; r++) s += dH[r * C + c]!;
        grad[c] = grad[c]! + s;
      }
    }
    if (E.grad) {
      const dX = new Float32Array(N * C); // (N, C)
      matmul({ a: dH, b: W1.data, out: dX, m: N, n: C, k: C });
      kernel('embeddingBackward')({
        ids: batch.inputIds,
        dout: dX,
        dtableAccumulate: E.grad,
        tokens: N,
        dim: C,
      });
    }
  }
}

/** The toy's arrays are host arrays (it runs only on the CPU backends). */
function host(a: F32): Float32Array {
  if (!(a instanceof Float32Array))
    throw new TrainerConfigError('model', 'ToyLM: expected host arrays (a CPU backend), got a device array');
  return a;
}
