// What the conformance cases leave out of the row family: more than 65535 workgroups (the 2-D dispatch), a whole
// vocabulary in one row, rows of only −∞, bitwise-repeatable results, long column reductions.
import {
  backendMemory,
  type DeviceMemory,
  getKernelImpl,
  type KernelName,
  referenceKernels,
} from '@lora/core';
import { expectClose, makeRng, useSoftwareVulkan } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerWebgpuBackend, WEBGPU_BACKEND, webgpuDevice } from '../backend.js';

useSoftwareVulkan();
await registerWebgpuBackend();
const available = webgpuDevice() !== undefined;

function gpuKernel<K extends KernelName>(name: K) {
  const impl = getKernelImpl(name, WEBGPU_BACKEND);
  if (!impl) throw new Error(`webgpu ${name}: expected a registered kernel, got none`);
  return impl;
}

function normal(seed: number, n: number, scale = 1): Float32Array {
  const rng = makeRng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

describe.skipIf(!available)('webgpu row family', () => {
  let memory: DeviceMemory;
  beforeAll(() => {
    memory = backendMemory(WEBGPU_BACKEND);
  });
  afterAll(() => memory?.sync());

  // 65536 workgroups with barriers take SwiftShader minutes: on a real adapter only (LORA_SLOW_GPU_TESTS=1 forces it)
  test.skipIf(webgpuDevice()?.isFallback && !process.env.LORA_SLOW_GPU_TESTS)(
    'softmax over more rows than 65535 workgroups cover (2-D dispatch): every row is 1',
    async () => {
      const rows = 65535 * 256 + 300; // 1 column: 256 rows per workgroup
      const x = memory.upload(normal(1, rows, 3));
      const out = memory.f32(rows);
      gpuKernel('softmax')({ x, out, rows, cols: 1 });
      const got = await memory.read(out);
      expect(got.every((v) => v === 1)).toBe(true);
      memory.free(x);
      memory.free(out);
    },
    300_000,
  );

  test('a whole vocabulary (151936) in one row: crossEntropyChunk, argmaxChunk, softmax', async () => {
    const rows = 3;
    const cols = 151936;
    const logits = normal(2, rows * cols, 3);
    logits[cols + 100000] = 30; // a far maximum
    const targets = Int32Array.from([5, 151935, -100]);
    const host = {
      logits,
      rows,
      cols,
      vocabStart: 0,
      targets,
      runningMax: new Float32Array(rows).fill(Number.NEGATIVE_INFINITY),
      runningSum: new Float32Array(rows),
      targetLogit: new Float32Array(rows),
      bestValue: new Float32Array(rows).fill(Number.NEGATIVE_INFINITY),
      bestIndex: new Int32Array(rows).fill(-1),
    };
    const dev = {
      ...host,
      logits: memory.upload(logits),
      targets: memory.upload(targets),
      runningMax: memory.upload(host.runningMax),
      runningSum: memory.upload(host.runningSum),
      targetLogit: memory.upload(host.targetLogit),
      bestValue: memory.upload(host.bestValue),
      bestIndex: memory.upload(host.bestIndex),
    };
    const out = memory.f32(rows * cols);
    gpuKernel('crossEntropyChunk')(dev);
    gpuKernel('argmaxChunk')(dev);
    gpuKernel('softmax')({ x: dev.logits, out, rows, cols });
    referenceKernels.crossEntropyChunk(host);
    referenceKernels.argmaxChunk(host);
    const y = new Float32Array(rows * cols);
    referenceKernels.softmax({ x: logits, out: y, rows, cols });
    expect(await memory.read(dev.runningMax)).toEqual(host.runningMax);
    expect(await memory.read(dev.targetLogit)).toEqual(host.targetLogit);
    expectClose(await memory.read(dev.runningSum), host.runningSum, { rtol: 2e-5, atol: 0 }, 'runningSum');
    expect(await memory.read(dev.bestIndex)).toEqual(host.bestIndex);
    expect(host.bestIndex[1]).toBe(100000);
    expectClose(await memory.read(out), y, { rtol: 2e-5, atol: 1e-30 }, 'softmax');
  });

  test('crossEntropyChunk leaves the running state of a row of only −∞ as the reference does (no NaN)', async () => {
    const cols = 5;
    const logits = new Float32Array(2 * cols).fill(Number.NEGATIVE_INFINITY);
    const host = {
      logits,
      rows: 2,
      cols,
      vocabStart: 10,
      targets: Int32Array.from([12, -100]),
      runningMax: Float32Array.from([Number.NEGATIVE_INFINITY, 1.5]), // first chunk; a later chunk
      runningSum: Float32Array.from([0, 3.25]),
      targetLogit: Float32Array.from([-7, -7]),
    };
    const dev = {
      ...host,
      logits: memory.upload(logits),
      targets: memory.upload(host.targets),
      runningMax: memory.upload(host.runningMax),
      runningSum: memory.upload(host.runningSum),
      targetLogit: memory.upload(host.targetLogit),
    };
    gpuKernel('crossEntropyChunk')(dev);
    referenceKernels.crossEntropyChunk(host);
    expect(await memory.read(dev.runningMax)).toEqual(host.runningMax);
    expect(await memory.read(dev.runningSum)).toEqual(host.runningSum);
    expect(await memory.read(dev.targetLogit)).toEqual(host.targetLogit);
  });

  test('rmsnormBackward and columnSums over 2049 rows: close to the reference, and bitwise the same twice', async () => {
    const rows = 2049;
    const cols = 77;
    const x = normal(3, rows * cols, 2);
    const weight = normal(4, cols, 0.1);
    const rstd = new Float32Array(rows);
    referenceKernels.rmsnorm({ x, weight, out: new Float32Array(rows * cols), rstd, rows, cols, eps: 1e-6 });
    const dout = normal(5, rows * cols);
    const dw = normal(6, cols);
    const want = dw.slice();
    referenceKernels.rmsnormBackward({
      dout,
      x,
      weight,
      rstd,
      dx: new Float32Array(rows * cols),
      dweightAccumulate: want,
      rows,
      cols,
    });
    const sums = dw.slice();
    referenceKernels.columnSums({ x: dout, outAccumulate: sums, rows, cols });
    const runs: Float32Array[] = [];
    for (let k = 0; k < 2; k++) {
      const dev = {
        dout: memory.upload(dout),
        x: memory.upload(x),
        weight: memory.upload(weight),
        rstd: memory.upload(rstd),
        dx: memory.f32(rows * cols),
        dweightAccumulate: memory.upload(dw),
        rows,
        cols,
      };
      gpuKernel('rmsnormBackward')(dev);
      runs.push(await memory.read(dev.dweightAccumulate));
      const colSums = memory.upload(dw);
      gpuKernel('columnSums')({ x: dev.dout, outAccumulate: colSums, rows, cols });
      runs.push(await memory.read(colSums));
    }
    expectClose(runs[0]!, want, { rtol: 2e-5, atol: 2e-5 * Math.max(...want.map(Math.abs)) }, 'dweight');
    expectClose(runs[1]!, sums, { rtol: 2e-5, atol: 2e-5 * Math.max(...sums.map(Math.abs)) }, 'columnSums');
    expect(runs[2]).toEqual(runs[0]);
    expect(runs[3]).toEqual(runs[1]);
  });
});
