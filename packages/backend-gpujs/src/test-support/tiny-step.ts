// A tiny QLoRA language model trained with @lora/core's kernels alone, for the end-to-end check of a device backend:
// embedding → RMSNorm → NF4 linear (double-quantized absmax) + LoRA (dropout on its input) + bias → SiLU → LM head
// over two vocab chunks with chunked cross-entropy, the backward of all of it, then gradient norm, clip factor, NaN
// count and AdamW with the clip factor — every step's number on the device, and one read per step: loss sum, tokens,
// hits, squared gradient norm and non-finite count in one array. Letters: T tokens, C channels, V vocab, R LoRA rank.
import { deviceMemory, type F32, type I32, kernel, type U8 } from '@lora/core';

const [T, C, V, R] = [19, 24, 37, 4];
const CHUNKS = [
  [0, 20],
  [20, 17],
] as const; // [vocabStart, cols]
const BLOCKSIZE = 16;
const NESTED_BLOCKSIZE = 3;
const LORA_SCALE = 2; // lora_alpha / r
const DROPOUT = 0.1;
/** the NF4 levels (bitsandbytes' code table) */
const NF4 = [
  -1, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
  -0.18477343022823334, -0.09105003625154495, 0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1,
];

/** What one optimizer step reports, from its one read. */
export interface TinyStepReport {
  loss: number;
  tokens: number;
  hits: number;
  gradNorm: number;
  nonFinite: number;
}

interface Trainable {
  data: F32;
  grad: F32;
  m: F32;
  v: F32;
}

function lcg(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0;
  return (lo, hi) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  };
}

/** The model's arrays in the active backend's memory, made from one seed: the same values on every backend. */
export class TinyModel {
  readonly memory = deviceMemory();
  readonly embed: Trainable;
  readonly norm: Trainable;
  readonly loraA: Trainable;
  readonly loraB: Trainable;
  readonly bias: Trainable;
  readonly head: F32; // (V, C) frozen
  readonly packed: U8; // (C·C / 2) 4-bit codes of W (C, C)
  readonly qabsmax: U8; // (blocks)
  readonly nestedAbsmax: F32;
  readonly nestedCode: F32; // (256)
  readonly code: F32; // (16)
  readonly ids: I32; // (T)
  readonly targets: I32; // (T)
  readonly tokens: number;
  /** [loss sum, tokens, hits, Σ grad², non-finite count]: the step's one read */
  readonly report: F32;
  step = 0;

  constructor(seed = 7) {
    const rand = lcg(seed);
    const mem = this.memory;
    const values = (n: number, lo: number, hi: number) =>
      Float32Array.from({ length: n }, () => rand(lo, hi));
    const trainable = (data: Float32Array): Trainable => ({
      data: mem.upload(data),
      grad: mem.f32(data.length),
      m: mem.f32(data.length),
      v: mem.f32(data.length),
    });
    this.embed = trainable(values(V * C, -1, 1));
    this.norm = trainable(values(C, 0.8, 1.2));
    this.loraA = trainable(values(R * C, -0.3, 0.3));
    this.loraB = trainable(new Float32Array(C * R)); // zero: a new adapter changes nothing
    this.bias = trainable(values(C, -0.1, 0.1));
    this.head = mem.upload(values(V * C, -0.5, 0.5));
    const blocks = Math.ceil((C * C) / BLOCKSIZE);
    this.packed = mem.upload(Uint8Array.from({ length: (C * C) / 2 }, () => Math.floor(rand(0, 256))));
    this.qabsmax = mem.upload(Uint8Array.from({ length: blocks }, () => Math.floor(rand(0, 256))));
    this.nestedAbsmax = mem.upload(values(Math.ceil(blocks / NESTED_BLOCKSIZE), 0.002, 0.004));
    this.nestedCode = mem.upload(Float32Array.from({ length: 256 }, (_, i) => (i - 128) / 128));
    this.code = mem.upload(Float32Array.from(NF4));
    const ids = Int32Array.from({ length: T }, () => Math.floor(rand(0, V)));
    const targets = Int32Array.from({ length: T }, (_, t) => (t % 6 === 5 ? -100 : ids[(t + 1) % T]!));
    this.ids = mem.upload(ids);
    this.targets = mem.upload(targets);
    this.tokens = targets.filter((t) => t >= 0).length;
    this.report = mem.f32(5);
  }

  get parameters(): Trainable[] {
    return [this.embed, this.norm, this.loraA, this.loraB, this.bias];
  }

  /** One forward, backward and AdamW step; resolves with what its one read holds. */
  async trainStep(lr = 0.02): Promise<TinyStepReport> {
    const mem = this.memory;
    const k = <N extends Parameters<typeof kernel>[0]>(name: N) => kernel(name);
    const step = ++this.step;
    const seed = (0x9e3779b9 + step) >>> 0;
    const f = (n: number) => mem.f32(n);
    const [h, n, rstd, y, d, u, a] = [f(T * C), f(T * C), f(T), f(T * C), f(T * C), f(T * R), f(T * C)];
    const logits = f(T * V); // chunk j at vocabStart · T
    const state = f(5 * T); // runningMax, runningSum, targetLogit, bestValue, lse
    const [runningMax, runningSum, targetLogit, bestValue, lse] = [0, 1, 2, 3, 4].map((i) =>
      state.subarray(i * T, (i + 1) * T),
    ) as [F32, F32, F32, F32, F32];
    const bestIndex = mem.i32(T);
    const [stats, sumSquares, nonFinite] = [
      this.report.subarray(0, 3),
      this.report.subarray(3, 4),
      this.report.subarray(4, 5),
    ];
    const quant = {
      packed: this.packed,
      nested: {
        qabsmax: this.qabsmax,
        nestedAbsmax: this.nestedAbsmax,
        nestedCode: this.nestedCode,
        nestedBlocksize: NESTED_BLOCKSIZE,
        offset: 0.0125,
      },
      code: this.code,
      blocksize: BLOCKSIZE,
    };
    // --- forward -------------------------------------------------------------------------------------------------
    k('fill')({ x: this.report, n: 5, value: 0 });
    k('embedding')({ ids: this.ids, table: this.embed.data, out: h, tokens: T, dim: C }); // (T, C)
    k('rmsnorm')({ x: h, weight: this.norm.data, out: n, rstd, rows: T, cols: C, eps: 1e-6 }); // (T, C)
    k('nf4Matmul')({ ...quant, x: n, out: y, m: T, n: C, k: C, mode: 'forward' }); // (T, C)
    k('dropout')({ x: n, out: d, n: T * C, p: DROPOUT, seed }); // (T, C)
    k('matmul')({ a: d, b: this.loraA.data, out: u, m: T, n: R, k: C, transB: true }); // (T, R)
    k('matmul')({
      a: u,
      b: this.loraB.data,
      out: y,
      m: T,
      n: C,
      k: R,
      transB: true,
      accumulate: true,
      alpha: LORA_SCALE,
    });
    k('addBias')({ x: y, bias: this.bias.data, rows: T, cols: C });
    k('silu')({ x: y, out: a, n: T * C }); // (T, C)
    k('fill')({ x: runningMax, n: T, value: Number.NEGATIVE_INFINITY });
    k('fill')({ x: runningSum, n: T, value: 0 });
    k('fill')({ x: bestValue, n: T, value: Number.NEGATIVE_INFINITY });
    k('fill')({ x: bestIndex, n: T, value: -1 });
    for (const [vocabStart, cols] of CHUNKS) {
      const chunk = logits.subarray(vocabStart * T, (vocabStart + cols) * T); // (T, cols)
      const weights = this.head.subarray(vocabStart * C, (vocabStart + cols) * C); // (cols, C)
      k('matmul')({ a, b: weights, out: chunk, m: T, n: cols, k: C, transB: true });
      const common = { logits: chunk, rows: T, cols, vocabStart };
      k('crossEntropyChunk')({ ...common, targets: this.targets, runningMax, runningSum, targetLogit });
      k('argmaxChunk')({ ...common, bestValue, bestIndex });
    }
    k('crossEntropyStats')({
      rows: T,
      targets: this.targets,
      runningMax,
      runningSum,
      targetLogit,
      bestIndex,
      lse,
      stats,
    });
    // --- backward ------------------------------------------------------------------------------------------------
    const rowScale = f(T);
    k('fill')({ x: rowScale, n: T, value: 1 / this.tokens });
    const da = f(T * C);
    const dlogits = f(T * V);
    CHUNKS.forEach(([vocabStart, cols], j) => {
      const chunk = logits.subarray(vocabStart * T, (vocabStart + cols) * T);
      const dchunk = dlogits.subarray(vocabStart * T, (vocabStart + cols) * T); // (T, cols)
      const weights = this.head.subarray(vocabStart * C, (vocabStart + cols) * C);
      const common = { logits: chunk, rows: T, cols, vocabStart, targets: this.targets };
      k('crossEntropyChunkBackward')({ ...common, lse, rowScale, dlogits: dchunk });
      k('matmul')({ a: dchunk, b: weights, out: da, m: T, n: C, k: cols, accumulate: j > 0 }); // (T, C)
    });
    const dy = f(T * C);
    k('siluBackward')({ x: y, dout: da, dx: dy, n: T * C });
    k('columnSums')({ x: dy, outAccumulate: this.bias.grad, rows: T, cols: C });
    k('matmul')({
      a: dy,
      b: u,
      out: this.loraB.grad,
      m: C,
      n: R,
      k: T,
      transA: true,
      alpha: LORA_SCALE,
      accumulate: true,
    });
    const du = f(T * R);
    k('matmul')({ a: dy, b: this.loraB.data, out: du, m: T, n: R, k: C, alpha: LORA_SCALE }); // (T, R)
    k('matmul')({ a: du, b: d, out: this.loraA.grad, m: R, n: C, k: T, transA: true, accumulate: true }); // (R, C)
    const dd = f(T * C);
    k('matmul')({ a: du, b: this.loraA.data, out: dd, m: T, n: C, k: R }); // (T, C)
    k('dropout')({ x: dd, out: dd, n: T * C, p: DROPOUT, seed });
    const dn = f(T * C);
    k('nf4Matmul')({ ...quant, x: dy, out: dn, m: T, n: C, k: C, mode: 'inputGrad' });
    k('add')({ a: dn, b: dd, out: dn, n: T * C });
    const dh = f(T * C);
    k('rmsnormBackward')({
      dout: dn,
      x: h,
      weight: this.norm.data,
      rstd,
      dx: dh,
      dweightAccumulate: this.norm.grad,
      rows: T,
      cols: C,
    });
    k('embeddingBackward')({ ids: this.ids, dout: dh, dtableAccumulate: this.embed.grad, tokens: T, dim: C });
    // --- optimizer -----------------------------------------------------------------------------------------------
    for (const p of this.parameters) {
      k('sumSquares')({ x: p.grad, n: p.grad.length, out: sumSquares });
      k('countNonFinite')({ x: p.grad, n: p.grad.length, out: nonFinite });
    }
    const factor = f(1);
    k('gradClip')({ sumSquares, maxNorm: 1, factor });
    for (const p of this.parameters) {
      const n = p.data.length;
      k('adamw')({
        ...p,
        param: p.data,
        gradScale: factor,
        step,
        lr,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0.01,
        n,
      });
      k('fill')({ x: p.grad, n, value: 0 });
    }
    for (const array of [
      h,
      n,
      rstd,
      y,
      d,
      u,
      a,
      logits,
      state,
      bestIndex,
      rowScale,
      da,
      dlogits,
      dy,
      du,
      dd,
      dn,
      dh,
      factor,
    ])
      mem.free(array);
    const [lossSum, tokens, hits, ss, bad] = await mem.read(this.report); // the step's one read
    return {
      loss: lossSum! / tokens!,
      tokens: tokens!,
      hits: hits!,
      gradNorm: Math.sqrt(ss!),
      nonFinite: bad!,
    };
  }

  /** Every parameter's values (for comparing backends after training). */
  async parameterValues(): Promise<Float32Array[]> {
    return Promise.all(this.parameters.map((p) => this.memory.read(p.data)));
  }

  free(): void {
    const arrays = [
      this.head,
      this.packed,
      this.qabsmax,
      this.nestedAbsmax,
      this.nestedCode,
      this.code,
      this.ids,
      this.targets,
      this.report,
    ];
    for (const p of this.parameters) arrays.push(p.data, p.grad, p.m, p.v);
    for (const array of arrays) this.memory.free(array);
  }
}
