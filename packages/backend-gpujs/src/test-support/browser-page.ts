// Browser entry for browser.test.ts: registers the gpu.js backends in a real page, checks the host-array kernels
// (gpujsKernels, gpujsAsyncKernels) of each GPU mode against @lora/core's reference on the core catalogue's small cases
// and those past one texture row (test-support/catalogue.ts), trains the tiny model a few steps on each device backend
// and on the reference, and times one matmul per mode (for the README).

import type { DeviceCounters, KernelCase, KernelName, KernelSignatures } from '@lora/core';
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
import { hostCases, worstRatio } from './catalogue.js';
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

type Buffers = Record<string, unknown>;

function copy(buffers: Buffers): Buffers {
  const out: Buffers = {};
  for (const [key, value] of Object.entries(buffers))
    out[key] = ArrayBuffer.isView(value) ? (value as Float32Array).slice() : value;
  return out;
}

type AnyKernel = (args: unknown) => void | Promise<void>;

async function compare(backend: string, c: KernelCase, run: AnyKernel): Promise<PageCheck> {
  const args = c.args();
  const mine = copy(args);
  const ref = copy(args);
  await run(mine);
  (referenceKernels[c.kernel] as KernelSignatures[KernelName] as (a: unknown) => void)(ref);
  const { worst, maxAbsDiff } = worstRatio(c, mine, ref);
  return { backend, kernel: c.kernel, label: c.name, maxAbsDiff, worst, ok: worst <= 1 };
}

async function timeMatmul(size: number, mm: AnyKernel): Promise<number> {
  const values = () => Float32Array.from({ length: size * size }, (_, i) => ((i * 7919) % 1000) / 500 - 1);
  const [a, b] = [values(), values()];
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
    for (const c of hostCases(true))
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
