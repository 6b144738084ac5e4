import { deviceMemory, onOpaqueBackend, type Parameter, toHost } from '@lora/core';
import { describe, expect, test } from 'vitest';
import { SGD } from './sgd.js';

/** A trainable parameter in the active backend's memory. */
function param(name: string, values: number[], grad: number[], decay: boolean): Parameter {
  const memory = deviceMemory();
  return {
    name,
    shape: [values.length],
    data: memory.upload(Float32Array.from(values)),
    grad: memory.upload(Float32Array.from(grad)),
    trainable: true,
    decay,
  };
}

const f = Math.fround;

describe.each([
  ['reference', <T>(body: () => Promise<T>) => body()],
  ['opaque', <T>(body: () => Promise<T>) => onOpaqueBackend(body)],
] as const)('SGD on %s', (_, on) => {
  test('one step by hand: p − lr·(g + wd·p) on decay params, p − lr·g on the others; no state', () =>
    on(async () => {
      const w = param('w', [1, -2], [0.5, 0.25], true);
      const b = param('b', [3], [1], false);
      const opt = new SGD([w, b], { weightDecay: 0.5 });
      opt.step(0.1);
      const lr = f(0.1);
      expect(Array.from(await toHost(w.data))).toEqual([f(1 - lr * f(0.5 + 0.5)), f(-2 - lr * f(0.25 - 1))]);
      expect(Array.from(await toHost(b.data))).toEqual([f(3 - lr * 1)]);
      expect(opt.stateBytes()).toBe(0);
      expect(opt.stepCount).toBe(1);
    }));

  test('a non-finite clip factor skips the update; the step count still advances', () =>
    on(async () => {
      const w = param('w', [1, -2], [0.5, 0.25], true);
      const opt = new SGD([w]);
      opt.step(0.1, deviceMemory().upload(Float32Array.of(Number.NaN)));
      expect(Array.from(await toHost(w.data))).toEqual([1, -2]);
      expect(opt.stepCount).toBe(1);
    }));
});

test('SGD refuses a negative weight decay, and state tensors on load', async () => {
  expect(() => new SGD([param('w', [1], [0], true)], { weightDecay: -1 })).toThrow(
    /weightDecay: expected a finite number >= 0, got -1/,
  );
  const opt = new SGD([param('w', [1], [0], true)]);
  expect(() => opt.loadState(3, new Map([['w.momentum_buffer', new Float32Array(1)]]), 'f')).toThrow(
    'f: expected no state tensors for SGD (momentum 0), got w.momentum_buffer',
  );
  opt.loadState(3, new Map(), 'f');
  expect(opt.stepCount).toBe(3);
  expect((await opt.saveState()).metadata).toEqual({
    optimizer: 'sgd',
    step: '3',
    momentum: '0',
    weight_decay: '0',
  });
});
