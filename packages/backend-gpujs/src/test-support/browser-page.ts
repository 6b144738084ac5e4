// Browser entry for browser.test.ts: registers the gpu.js backends in a real page, checks the host-array kernels
// (gpujsKernels, gpujsAsyncKernels) of each GPU mode against @lora/core's reference on small odd shapes, trains the
// tiny model a few steps on each device backend and on the reference, and times one matmul per mode (for the README).

import type { DeviceCounters, KernelName, KernelSignatures } from '@lora/core';
import {
  backendReport,
  deviceMemory,
  KERNEL_NAMES,
  kernel,
  REFERENCE_BACKEND,
  referenceKernels,
  setBackend,
} from '@lora/core';
import type { GpujsKernelName } from '../backend.js';
import { gpujsAsyncKernels, gpujsKernels, registerGpujsBackends } from '../backend.js';
import type { ModeProbe } from '../probe.js';
import { probeMode } from '../probe.js';
import { KernelRunner } from '../runner.js';
import { type TinyStepReport, TinyModel } from './tiny-step.js';

export interface PageCheck {
  backend: string;
  kernel: KernelName;
  label: string;
  maxAbsDiff: number;
  worst: number;
  ok: boolean;
}

/** A few steps of the tiny model on one backend: each step's report and what crossed per step. */
export interface PageTraining {
  backend: string;
  steps: TinyStepReport[];
  /** per step, after the first (which compiles): readbacks, uploads, dispatches */
  perStep: Pick<DeviceCounters, 'readbacks' | 'uploads' | 'dispatches'>;
  /** parameters after training, flattened */
  parameters: number[];
  /** arrays the run left allocated in the memory (0: everything freed) */
  leftAllocated?: number;
}

export interface PageReport {
  probes: ModeProbe[];
  available: string[];
  reports: string[];
  checks: PageCheck[];
  training: PageTraining[];
  gflops: { backend: string; size: number; gflops: number }[];
}

type Buffers = Record<string, Float32Array | Int32Array | number | boolean>;

/** Each case builds fresh arguments; `outputs` names the buffers the kernel writes. */
interface Case {
  kernel: KernelName;
  label: string;
  build: () => Buffers;
  outputs: string[];
}

// a seeded LCG (the page cannot load @lora/testing, which needs node:fs and vitest)
let seed = 11;
const rand = (n: number, lo = -1, hi = 1): Float32Array => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    a[i] = lo + ((hi - lo) * seed) / 4294967296;
  }
  return a;
};

function cases(): Case[] {
  const list: Case[] = [];
  for (const [m, n, k] of [
    [1, 1, 1],
    [3, 5, 7],
    [17, 9, 33],
  ] as const) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        list.push({
          kernel: 'matmul',
          label: `m=${m} n=${n} k=${k} transA=${transA} transB=${transB}`,
          build: () => ({
            a: rand(m * k),
            b: rand(k * n),
            out: new Float32Array(m * n),
            m,
            n,
            k,
            transA,
            transB,
          }),
          outputs: ['out'],
        });
      }
    }
    list.push({
      kernel: 'matmul',
      label: `m=${m} n=${n} k=${k} accumulate alpha=-0.5`,
      build: () => ({
        a: rand(m * k),
        b: rand(k * n),
        out: rand(m * n),
        m,
        n,
        k,
        accumulate: true,
        alpha: -0.5,
      }),
      outputs: ['out'],
    });
  }
  list.push({
    kernel: 'batchedMatmul',
    label: 'batch=3 m=4 n=5 k=6 transB',
    build: () => ({
      a: rand(72),
      b: rand(90),
      out: new Float32Array(60),
      batch: 3,
      m: 4,
      n: 5,
      k: 6,
      transB: true,
    }),
    outputs: ['out'],
  });
  for (const [rows, cols, scale] of [
    [1, 1, 1],
    [3, 7, 1],
    [5, 33, 80],
  ] as const) {
    list.push({
      kernel: 'softmax',
      label: `rows=${rows} cols=${cols} ±${scale}`,
      build: () => ({ x: rand(rows * cols, -scale, scale), out: new Float32Array(rows * cols), rows, cols }),
      outputs: ['out'],
    });
    list.push({
      kernel: 'softmaxBackward',
      label: `rows=${rows} cols=${cols}`,
      build: () => ({
        y: rand(rows * cols, 0, 1),
        dy: rand(rows * cols),
        dx: new Float32Array(rows * cols),
        rows,
        cols,
      }),
      outputs: ['dx'],
    });
  }
  const [t, c] = [3, 7];
  list.push(
    {
      kernel: 'rmsnorm',
      label: 'rows=3 cols=7 weightOffset=1',
      build: () => ({
        x: rand(t * c),
        weight: rand(c),
        out: new Float32Array(t * c),
        rstd: new Float32Array(t),
        rows: t,
        cols: c,
        eps: 1e-6,
        weightOffset: 1,
      }),
      outputs: ['out', 'rstd'],
    },
    {
      kernel: 'rmsnormBackward',
      label: 'rows=3 cols=7',
      build: () => ({
        dout: rand(t * c),
        x: rand(t * c),
        weight: rand(c),
        rstd: rand(t, 0.5, 2),
        dx: new Float32Array(t * c),
        dweightAccumulate: rand(c),
        rows: t,
        cols: c,
      }),
      outputs: ['dx', 'dweightAccumulate'],
    },
    {
      kernel: 'layernorm',
      label: 'rows=3 cols=7',
      build: () => ({
        x: rand(t * c, 1, 3),
        weight: rand(c),
        bias: rand(c),
        out: new Float32Array(t * c),
        mean: new Float32Array(t),
        rstd: new Float32Array(t),
        rows: t,
        cols: c,
        eps: 1e-5,
      }),
      outputs: ['out', 'mean', 'rstd'],
    },
    {
      kernel: 'layernormBackward',
      label: 'rows=3 cols=7',
      build: () => ({
        dout: rand(t * c),
        x: rand(t * c),
        weight: rand(c),
        mean: rand(t),
        rstd: rand(t, 0.5, 2),
        dx: new Float32Array(t * c),
        dweightAccumulate: rand(c),
        dbiasAccumulate: rand(c),
        rows: t,
        cols: c,
      }),
      outputs: ['dx', 'dweightAccumulate', 'dbiasAccumulate'],
    },
    {
      kernel: 'rope',
      label: 'T=3 H=2 D=6 rotaryDim=4 inverse',
      build: () => ({
        x: rand(36),
        out: new Float32Array(36),
        tokens: 3,
        heads: 2,
        headDim: 6,
        rotaryDim: 4,
        positions: Int32Array.of(4, 0, 2),
        cos: rand(10),
        sin: rand(10),
        inverse: true,
      }),
      outputs: ['out'],
    },
    ...(['silu', 'geluTanh'] as const).map((name) => ({
      kernel: name,
      label: 'n=37 in ±12',
      build: () => ({ x: rand(37, -12, 12), out: new Float32Array(37), n: 37 }),
      outputs: ['out'],
    })),
    ...(['siluBackward', 'geluTanhBackward'] as const).map((name) => ({
      kernel: name,
      label: 'n=37 in ±12',
      build: () => ({ x: rand(37, -12, 12), dout: rand(37), dx: new Float32Array(37), n: 37 }),
      outputs: ['dx'],
    })),
    {
      kernel: 'crossEntropyChunk',
      label: 'rows=3 cols=11 vocabStart=5',
      build: () => ({
        logits: rand(33, -20, 20),
        rows: 3,
        cols: 11,
        vocabStart: 5,
        targets: Int32Array.of(7, -100, 15),
        runningMax: Float32Array.of(3, -Infinity, 30),
        runningSum: Float32Array.of(2, 0, 1),
        targetLogit: new Float32Array(3),
      }),
      outputs: ['runningMax', 'runningSum', 'targetLogit'],
    },
    {
      kernel: 'crossEntropyChunkBackward',
      label: 'rows=3 cols=11 vocabStart=5',
      build: () => ({
        logits: rand(33, -5, 5),
        rows: 3,
        cols: 11,
        vocabStart: 5,
        targets: Int32Array.of(7, -100, 15),
        lse: Float32Array.of(6, 6, 6),
        rowScale: Float32Array.of(0.5, 0.5, 0.5),
        dlogits: new Float32Array(33),
      }),
      outputs: ['dlogits'],
    },
    {
      kernel: 'adamw',
      label: 'n=29 step=7',
      build: () => ({
        param: rand(29),
        grad: rand(29),
        m: rand(29, -0.1, 0.1),
        v: rand(29, 0, 0.01),
        step: 7,
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0.01,
        n: 29,
      }),
      outputs: ['param', 'm', 'v'],
    },
  );
  // sizes past one texture row (16384 texels on many GPUs, 8192 on SwiftShader): 1-D outputs get packed in 2-D
  list.push(
    {
      kernel: 'silu',
      label: 'n=70001',
      build: () => ({ x: rand(70001, -8, 8), out: new Float32Array(70001), n: 70001 }),
      outputs: ['out'],
    },
    {
      kernel: 'softmax',
      label: 'rows=3 cols=9001',
      build: () => ({ x: rand(27003, -10, 10), out: new Float32Array(27003), rows: 3, cols: 9001 }),
      outputs: ['out'],
    },
    {
      kernel: 'softmaxBackward',
      label: 'rows=9001 cols=3',
      build: () => ({
        y: rand(27003, 0, 1),
        dy: rand(27003),
        dx: new Float32Array(27003),
        rows: 9001,
        cols: 3,
      }),
      outputs: ['dx'],
    },
    {
      kernel: 'matmul',
      label: 'm=33 n=517 k=129 transB (a Linear layer)',
      build: () => ({
        a: rand(33 * 129),
        b: rand(517 * 129),
        out: new Float32Array(33 * 517),
        m: 33,
        n: 517,
        k: 129,
        transB: true,
      }),
      outputs: ['out'],
    },
  );
  return list;
}

function copy(buffers: Buffers): Buffers {
  const out: Buffers = {};
  for (const [key, value] of Object.entries(buffers))
    out[key] = ArrayBuffer.isView(value) ? value.slice() : value;
  return out;
}

type AnyKernel = (args: unknown) => void | Promise<void>;

async function compare(backend: string, c: Case, run: AnyKernel): Promise<PageCheck> {
  const args = c.build();
  const mine = copy(args);
  const ref = copy(args);
  await run(mine);
  (referenceKernels[c.kernel] as KernelSignatures[KernelName] as (a: unknown) => void)(ref);
  let maxAbsDiff = 0;
  let worst = 0; // |diff| / (1e-5 + 1e-4 |ref|): ≤ 1 passes
  for (const name of c.outputs) {
    const a = mine[name] as Float32Array;
    const e = ref[name] as Float32Array;
    for (let i = 0; i < e.length; i++) {
      const d = Math.abs(a[i]! - e[i]!);
      const ratio = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d / (1e-5 + 1e-4 * Math.abs(e[i]!));
      if (d > maxAbsDiff) maxAbsDiff = d;
      if (ratio > worst) worst = ratio;
    }
  }
  return { backend, kernel: c.kernel, label: c.label, maxAbsDiff, worst, ok: worst <= 1 };
}

async function timeMatmul(size: number, mm: AnyKernel): Promise<number> {
  const a = rand(size * size);
  const b = rand(size * size);
  const out = new Float32Array(size * size);
  await mm({ a, b, out, m: size, n: size, k: size }); // compile and warm up
  const reps = 3;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await mm({ a, b, out, m: size, n: size, k: size });
  const seconds = (performance.now() - t0) / 1000 / reps;
  return (2 * size ** 3) / seconds / 1e9;
}

const TRAINING_STEPS = 4;

/** TRAINING_STEPS steps of the tiny model on `backend`. */
async function train(backend: string): Promise<PageTraining> {
  await setBackend(backend);
  const memory = deviceMemory();
  const live = () => (memory as { live?: number }).live;
  const liveBefore = live();
  const model = new TinyModel();
  const steps = [await model.trainStep()]; // the first step compiles every kernel
  const before = memory.counters();
  for (let s = 1; s < TRAINING_STEPS; s++) steps.push(await model.trainStep());
  const after = memory.counters();
  const per = (key: 'readbacks' | 'uploads' | 'dispatches') =>
    (after[key] - before[key]) / (TRAINING_STEPS - 1);
  const parameters = (await model.parameterValues()).flatMap((p) => Array.from(p));
  model.free();
  const liveAfter = live();
  return {
    backend,
    steps,
    perStep: { readbacks: per('readbacks'), uploads: per('uploads'), dispatches: per('dispatches') },
    parameters,
    ...(liveBefore !== undefined && liveAfter !== undefined ? { leftAllocated: liveAfter - liveBefore } : {}),
  };
}

async function runGpujsChecks(modes: string[], timeSize: number): Promise<PageReport> {
  const probes = await Promise.all(modes.map((m) => probeMode(m as ModeProbe['mode'])));
  const available = await registerGpujsBackends({ modes });
  const checks: PageCheck[] = [];
  const reports: string[] = [];
  const gflops: PageReport['gflops'] = [];
  const training: PageTraining[] = [await train(REFERENCE_BACKEND)];
  for (const backend of available) {
    await setBackend(backend);
    reports.push(backendReport(KERNEL_NAMES));
    if (!deviceMemory().host) training.push(await train(backend));
    else if (timeSize > 0)
      gflops.push({
        backend,
        size: timeSize,
        gflops: await timeMatmul(timeSize, kernel('matmul') as AnyKernel),
      });
  }
  await setBackend(REFERENCE_BACKEND);
  // the host-array kernels of each GPU mode: synchronous on webgl2, awaited on webgpu
  for (const mode of ['webgl2', 'webgpu'] as const) {
    const probe = probes.find((p) => p.mode === mode);
    if (!probe?.asyncAvailable) continue;
    const runner = new KernelRunner(mode);
    const hostKernels = mode === 'webgpu' ? gpujsAsyncKernels(runner) : gpujsKernels(runner);
    const backend = `gpujs-${mode} (host arrays)`;
    for (const c of cases())
      checks.push(await compare(backend, c, hostKernels[c.kernel as GpujsKernelName] as AnyKernel));
    if (timeSize > 0)
      gflops.push({
        backend,
        size: timeSize,
        gflops: await timeMatmul(timeSize, hostKernels.matmul as AnyKernel),
      });
    await runner.destroy();
  }
  return { probes, available, reports, checks, training, gflops };
}

(globalThis as { runGpujsChecks?: typeof runGpujsChecks }).runGpujsChecks = runGpujsChecks;
