import { deviceMemory, kernel, onOpaqueBackend, type Parameter, toHost } from '@lora/core';
import { describe, expect, test } from 'vitest';
import { packParameters } from './parameter-groups.js';

function param(name: string, values: number[], decay: boolean): Parameter {
  const memory = deviceMemory();
  return {
    name,
    shape: [values.length],
    data: memory.upload(Float32Array.from(values)),
    grad: memory.upload(Float32Array.from(values, (v) => -v)),
    trainable: true,
    decay,
  };
}

const backends = [
  ['reference', <T>(body: () => Promise<T>) => body()],
  ['opaque', <T>(body: () => Promise<T>) => onOpaqueBackend(body)],
] as const;

describe.each(backends)('packParameters on %s', (_backend, on) => {
  test('groups by decay (decay first), keeps the order within a group, copies values and gradients', () =>
    on(async () => {
      const params = [param('w1', [1, 2], true), param('b1', [3], false), param('w2', [4, 5, 6], true)];
      const groups = packParameters(params);
      expect(groups.map((g) => [g.decay, g.params.map((p) => p.name), g.offsets, g.size])).toEqual([
        [true, ['w1', 'w2'], [0, 2], 5],
        [false, ['b1'], [0], 1],
      ]);
      expect(Array.from(await toHost(groups[0]!.data))).toEqual([1, 2, 4, 5, 6]);
      expect(Array.from(await toHost(groups[0]!.grad))).toEqual([-1, -2, -4, -5, -6]);
      expect(Array.from(await toHost(groups[1]!.data))).toEqual([3]);
      expect(params.map((p) => [p.data.length, p.grad!.length])).toEqual([
        [2, 2],
        [1, 1],
        [3, 3],
      ]);
    }));

  test("each parameter's data and grad become views of the flat arrays: one kernel over a group reaches them all", () =>
    on(async () => {
      const params = [param('w1', [1, 2], true), param('w2', [4, 5, 6], true)];
      const [group] = packParameters(params);
      kernel('scale')({ x: group!.data, out: group!.data, n: group!.size, alpha: 10 });
      kernel('fill')({ x: group!.grad, n: group!.size, value: 7 });
      expect(Array.from(await toHost(params[1]!.data))).toEqual([40, 50, 60]);
      expect(Array.from(await toHost(params[0]!.grad!))).toEqual([7, 7]);
      kernel('fill')({ x: params[0]!.data, n: 2, value: -1 }); // and a kernel over a view writes the flat array
      expect(Array.from(await toHost(group!.data))).toEqual([-1, -1, 40, 50, 60]);
    }));

  test('no group for a decay setting no parameter has', () =>
    on(async () => {
      expect(packParameters([param('b', [1], false)]).map((g) => g.decay)).toEqual([false]);
      expect(packParameters([])).toEqual([]);
    }));
});

test("in a memory with a largest array, a group's parameters are packed into as many arrays as fit it", () =>
  onOpaqueBackend(async (memory) => {
    memory.maxArrayBytes = 4 * 5;
    try {
      const params = [
        param('model.embed_tokens.weight', [1, 2, 3], true), // a row block of a split tensor is a parameter too
        param('model.embed_tokens.weight', [4, 5], true),
        param('w', [6, 7, 8, 9], true),
        param('b', [10], false),
      ];
      const groups = packParameters(params);
      expect(groups.map((g) => [g.decay, g.params.map((p) => p.name), g.size])).toEqual([
        [true, ['model.embed_tokens.weight', 'model.embed_tokens.weight'], 5],
        [true, ['w'], 4],
        [false, ['b'], 1],
      ]);
      expect(Array.from(await toHost(groups[1]!.data))).toEqual([6, 7, 8, 9]);
    } finally {
      memory.maxArrayBytes = undefined;
    }
  }));

test('blockwise parameters start at multiples of the block size, and no padding follows the last of a group', () =>
  onOpaqueBackend(async (memory) => {
    memory.maxArrayBytes = 4 * 10; // the opaque memory refuses any larger array
    try {
      const params = [
        param('a', [1, 2, 3, 4, 5], true),
        param('b', [6, 7], true), // from 8: 10 elements with the padding between, exactly the limit
        param('c', [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], true), // the limit: alone, not padded to 12
        param('d', [20], true),
      ];
      const groups = packParameters(params, { blockwise: () => true, blocksize: 4 });
      expect(groups.map((g) => [g.blockwise, g.params.map((p) => p.name), g.offsets, g.size])).toEqual([
        [true, ['a', 'b'], [0, 8], 10],
        [true, ['c'], [0], 10],
        [true, ['d'], [0], 1],
      ]);
      expect(Array.from(await toHost(groups[0]!.data))).toEqual([1, 2, 3, 4, 5, 0, 0, 0, 6, 7]);
      expect(Array.from(await toHost(groups[0]!.grad))).toEqual([-1, -2, -3, -4, -5, 0, 0, 0, -6, -7]);
    } finally {
      memory.maxArrayBytes = undefined;
    }
  }));
