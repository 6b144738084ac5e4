// Browser entry for device-timing.ts: the same kernels on device-resident arrays on gpu.js's webgl2 and webgpu
// backends and on the WGSL backend (`webgpu`), in one page, so the WebGPU columns share one adapter.
import { registerGpujsBackends } from '@lora/backend-gpujs';
import { registerWebgpuBackend } from '@lora/backend-webgpu';
import { type DeviceArray, deviceMemory, type KernelName, kernel, setBackend } from '@lora/core';

export interface Timing {
  backend: string;
  kernel: string;
  shape: string;
  /** milliseconds per call, the best of three batches */
  ms: number;
  /** multiply-adds × 2 per second, in GFLOP/s, for the products */
  gflops?: number;
}

let seed = 1;
const rand = (n: number, lo = -1, hi = 1) =>
  Float32Array.from({ length: n }, () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * seed) / 2 ** 32;
  });

interface Case {
  kernel: KernelName;
  shape: string;
  flops?: number;
  reps: number;
  args: () => Record<string, unknown>;
  out: string;
}

function cases(): Case[] {
  const gemm = (m: number, n: number, k: number, transB: boolean, reps: number): Case => ({
    kernel: 'matmul',
    shape: `${m}×${n}×${k}${transB ? ' NT' : ''}`,
    flops: 2 * m * n * k,
    reps,
    args: () => ({ a: rand(m * k), b: rand(k * n), out: new Float32Array(m * n), m, n, k, transB }),
    out: 'out',
  });
  const nf4 = (m: number, n: number, k: number, mode: 'forward' | 'inputGrad', reps: number): Case => {
    const blocks = Math.ceil((n * k) / 64);
    return {
      kernel: 'nf4Matmul',
      shape: `${mode} ${m}×${n}×${k}, nested absmax`,
      flops: 2 * m * n * k,
      reps,
      args: () => ({
        x: rand(m * (mode === 'forward' ? k : n)),
        packed: Uint8Array.from(rand((n * k) / 2, 0, 255), Math.floor),
        nested: {
          qabsmax: Uint8Array.from(rand(blocks, 0, 255), Math.floor),
          nestedAbsmax: rand(Math.ceil(blocks / 256), 0.001, 0.01),
          nestedCode: rand(256),
          nestedBlocksize: 256,
          offset: 0.01,
        },
        code: rand(16),
        blocksize: 64,
        out: new Float32Array(m * (mode === 'forward' ? n : k)),
        m,
        n,
        k,
        mode,
      }),
      out: 'out',
    };
  };
  return [
    gemm(256, 256, 256, false, 3),
    gemm(128, 16, 896, true, 5), // LoRA down-projection x · Aᵀ (T = 128, hidden 896, r 16)
    gemm(128, 896, 16, true, 5), // LoRA up-projection u · Bᵀ
    nf4(128, 896, 896, 'forward', 2),
    nf4(128, 896, 896, 'inputGrad', 2),
    {
      kernel: 'rmsnorm',
      shape: '128×896',
      reps: 10,
      args: () => ({
        x: rand(128 * 896),
        weight: rand(896),
        out: new Float32Array(128 * 896),
        rstd: new Float32Array(128),
        rows: 128,
        cols: 896,
        eps: 1e-6,
      }),
      out: 'out',
    },
    {
      kernel: 'softmax',
      shape: '512×512',
      reps: 10,
      args: () => ({ x: rand(512 * 512), out: new Float32Array(512 * 512), rows: 512, cols: 512 }),
      out: 'out',
    },
    {
      kernel: 'adamw',
      shape: 'n 262144',
      reps: 10,
      args: () => ({
        param: rand(262144),
        grad: rand(262144),
        m: rand(262144),
        v: rand(262144, 0, 1),
        step: 3,
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0.01,
        n: 262144,
      }),
      out: 'param',
    },
  ];
}

function place(value: unknown, memory: ReturnType<typeof deviceMemory>, made: DeviceArray[]): unknown {
  if (value instanceof Float32Array || value instanceof Int32Array || value instanceof Uint8Array) {
    const array = memory.upload(value as Float32Array);
    made.push(array);
    return array;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, place(v, memory, made)]));
  return value;
}

async function time(backends: string[]): Promise<{ timings: Timing[]; available: string[] }> {
  const available = [...(await registerGpujsBackends({ modes: ['webgl2', 'webgpu'] }))];
  await registerWebgpuBackend();
  try {
    await setBackend('webgpu');
    available.push('webgpu');
  } catch {
    // no adapter: the WGSL column stays empty
  }
  const timings: Timing[] = [];
  for (const backend of backends.filter((b) => available.includes(b))) {
    await setBackend(backend);
    const memory = deviceMemory();
    for (const c of cases()) {
      const made: DeviceArray[] = [];
      const args = place(c.args(), memory, made) as Record<string, unknown>;
      const run = kernel(c.kernel) as (a: unknown) => void;
      const out = args[c.out] as DeviceArray;
      const settle = () => memory.read(out.subarray(0, 1) as never); // one element: the device has finished
      run(args); // compiles
      await settle();
      let best = Number.POSITIVE_INFINITY;
      for (let batch = 0; batch < 3; batch++) {
        const t0 = performance.now();
        for (let r = 0; r < c.reps; r++) run(args);
        await settle();
        best = Math.min(best, (performance.now() - t0) / c.reps);
      }
      for (const array of made) memory.free(array);
      timings.push({
        backend,
        kernel: c.kernel,
        shape: c.shape,
        ms: best,
        ...(c.flops ? { gflops: c.flops / best / 1e6 } : {}),
      });
    }
  }
  return { timings, available };
}

(globalThis as { timingPage?: unknown }).timingPage = { time };
