// Quantizing while loading goes through the active backend's quantize4bitBlockwise: on wasm, its job on the worker
// threads, byte for byte what the reference gives (packed codes, absmax, the double-quantized absmax).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerWasmBackend } from '@lora/backend-wasm';
import {
  disposeBackends,
  getKernelImpl,
  type HostKernelSignatures,
  registerHostKernel,
  setBackend,
} from '@lora/core';
import type { QuantizedTensor } from '@lora/quant-nf4';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadCheckpoint } from './load.js';
import { writeTinyCheckpoint } from './tiny-checkpoint.js';
import { isQuantized } from './weights.js';

const root = mkdtempSync(join(tmpdir(), 'lora-load-quantize-'));
let dir: string;
const calls: number[] = []; // the element count of every quantize4bitBlockwise the wasm backend ran

beforeAll(async () => {
  await registerWasmBackend({ threads: 2 });
  const wasm = getKernelImpl(
    'quantize4bitBlockwise',
    'wasm',
  ) as HostKernelSignatures['quantize4bitBlockwise'];
  registerHostKernel({
    name: 'quantize4bitBlockwise',
    backend: 'wasm',
    impl: (args) => {
      calls.push(args.n);
      wasm(args);
    },
  });
  // MLP linears of 768 × 128: large enough that the job splits over the threads
  const overrides = {
    hidden_size: 128,
    intermediate_size: 768,
    num_attention_heads: 4,
    num_key_value_heads: 2,
  };
  dir = (await writeTinyCheckpoint(join(root, 'qwen2'), 'qwen2', { seed: 21, overrides })).dir;
});
afterAll(async () => {
  await disposeBackends();
  rmSync(root, { recursive: true, force: true });
});

const bytes = (a: ArrayBufferView | undefined) => (a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : a);

function expectSameQuantized(got: QuantizedTensor, want: QuantizedTensor, name: string): void {
  expect(bytes(got.packed)?.equals(bytes(want.packed)!), `${name} packed`).toBe(true);
  expect(bytes(got.absmax), `${name} absmax`).toEqual(bytes(want.absmax));
  expect(bytes(got.nested?.qabsmax), `${name} qabsmax`).toEqual(bytes(want.nested?.qabsmax));
  expect(bytes(got.nested?.nestedAbsmax), `${name} nestedAbsmax`).toEqual(bytes(want.nested?.nestedAbsmax));
  expect(got.nested?.offset).toBe(want.nested?.offset);
}

describe('quantize on load on the wasm backend', () => {
  test.each([
    ['nf4, double quant', { quantType: 'nf4', doubleQuant: true }],
    ['fp4, blocksize 32', { quantType: 'fp4', doubleQuant: false, blocksize: 32 }],
  ] as const)(
    '%s: every linear byte for byte as on the reference, each quantized by the wasm kernel',
    async (_, quantize) => {
      await setBackend('reference');
      const want = (await loadCheckpoint(dir, { quantize })).weights;
      await setBackend('wasm');
      calls.length = 0;
      const got = (await loadCheckpoint(dir, { quantize })).weights;
      const quantized = [...want].filter(([, w]) => isQuantized(w));
      expect(quantized.length).toBeGreaterThan(0);
      expect(calls).toHaveLength(quantized.length);
      expect(Math.max(...calls)).toBe(768 * 128);
      for (const [name, w] of quantized)
        expectSameQuantized(got.get(name) as QuantizedTensor, w as QuantizedTensor, name);
    },
  );
});
