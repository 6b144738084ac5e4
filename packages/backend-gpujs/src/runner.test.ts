import { describe, expect, test } from 'vitest';
import { GpujsBackendError } from './errors.js';
import type { KernelArg, KernelSpec, KernelThis } from './runner.js';
import { KernelRunner, launch } from './runner.js';
import { nodeModes } from './test-support/node-modes.js';

function scaled(this: KernelThis<{ cols: number }>, x: Float32Array, s: number): number {
  return x[this.thread.y * this.constants.cols + this.thread.x]! * s;
}

// a one-launch plan
function* once(key: string, spec: () => KernelSpec, args: KernelArg[], out: Float32Array) {
  yield launch(key, spec, args, out);
}

const spec = (cols: number, rows: number) => (): KernelSpec => ({
  fn: scaled,
  output: [cols, rows],
  constants: { cols },
  argumentTypes: { x: 'Array', s: 'Float' },
});

describe.each(await nodeModes())('KernelRunner on gpu.js %s', (mode) => {
  test('copies a 2-D result row-major into out and compiles once per key', async () => {
    const runner = new KernelRunner(mode);
    const out = new Float32Array(6);
    runner.run(once('scaled:3x2', spec(3, 2), [Float32Array.from([1, 2, 3, 4, 5, 6]), 2], out));
    runner.run(once('scaled:3x2', spec(3, 2), [Float32Array.from([1, 2, 3, 4, 5, 6]), -1], out));
    expect(Array.from(out)).toEqual([-1, -2, -3, -4, -5, -6]);
    expect(runner.compiled).toBe(1);
    expect(runner.degraded.size).toBe(0);
    await runner.destroy();
  });

  test('keeps at most cacheSize kernels, dropping the least recently used', async () => {
    const runner = new KernelRunner(mode, 2);
    const out = new Float32Array(4);
    const x = Float32Array.from([1, 2, 3, 4]);
    runner.run(once('a', spec(4, 1), [x, 1], out));
    runner.run(once('b', spec(2, 2), [x, 1], out));
    runner.run(once('a', spec(4, 1), [x, 1], out)); // a is now the most recent
    runner.run(once('c', spec(1, 4), [x, 1], out)); // evicts b
    expect(runner.cachedKernels).toBe(2);
    runner.run(once('a', spec(4, 1), [x, 1], out));
    expect(runner.compiled).toBe(3);
    runner.run(once('b', spec(2, 2), [x, 1], out));
    expect(runner.compiled).toBe(4);
    await runner.destroy();
    expect(runner.cachedKernels).toBe(0);
    runner.run(once('a', spec(4, 1), [x, 3], out)); // a destroyed runner starts afresh
    expect(Array.from(out)).toEqual([3, 6, 9, 12]);
    await runner.destroy();
  });

  test('runAsync runs the same plan and awaits each launch', async () => {
    const runner = new KernelRunner(mode);
    const out = new Float32Array(2);
    await runner.runAsync(once('scaled:2x1', spec(2, 1), [Float32Array.of(3, 4), 0.5], out));
    expect(Array.from(out)).toEqual([1.5, 2]);
    await runner.destroy();
  });

  test('a kernel gpu.js cannot build throws GpujsBackendError naming the key', async () => {
    const runner = new KernelRunner(mode);
    const bad = (): KernelSpec => ({
      fn: function (this: KernelThis<object>, x: Float32Array) {
        return (x as unknown as { nope: () => number }).nope();
      },
      output: [1],
      argumentTypes: { x: 'Array' },
    });
    const call = () => runner.run(once('bad', bad, [new Float32Array(1)], new Float32Array(1)));
    expect(call).toThrow(GpujsBackendError);
    expect(call).toThrow(/kernel "bad"/);
    await runner.destroy();
  });
});
