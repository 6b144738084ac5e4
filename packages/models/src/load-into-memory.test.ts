// LoadOptions.memory: dense weights kept as stored are read straight into a host-addressable backend memory (the
// wasm backend's), so a large embedding is never also on the JS heap; 4-bit linears and GPT-2's transposed Conv1D
// weights are prepared on the host as before; useMemory then leaves what is already there in place; the model
// computes the same loss, bit for bit, as one loaded onto the JS heap.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerWasmBackend } from '@lora/backend-wasm';
import { deviceMemory, disposeBackends, type F32, hostMemory, memoryOf, setBackend } from '@lora/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CausalLM } from './causal-lm.js';
import { writeTinyCheckpoint } from './tiny-checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'lora-load-into-'));
const quantize = { quantType: 'nf4', doubleQuant: true } as const;

beforeAll(async () => {
  await registerWasmBackend({ threads: 1 });
  await setBackend('wasm');
});
afterAll(async () => {
  await disposeBackends();
  rmSync(root, { recursive: true, force: true });
});

const batch = {
  inputIds: Int32Array.from([3, 7, 1, 9, 2, 10, 4, 5]),
  labels: Int32Array.from([3, 7, 1, 9, 2, 10, 4, 5]),
  attentionMask: new Uint8Array(8).fill(1),
  batch: 2,
  seqLen: 4,
};

async function lossOf(model: CausalLM): Promise<number> {
  const r = await model.step(batch, { training: false, backward: false });
  return r.lossSum;
}

describe.each(['llama', 'gpt2'] as const)('CausalLM.load(dir, { memory }) on %s', (architecture) => {
  let dir: string;
  beforeAll(async () => {
    dir = (await writeTinyCheckpoint(join(root, architecture), architecture)).dir;
  });

  test.each([
    ['NF4 + double quant', quantize],
    ['dense', undefined],
  ])('%s: dense weights as stored are in the memory, the rest on the host; the same loss', async (_, q) => {
    const memory = deviceMemory();
    expect(memory.name).toBe('wasm');
    const onHeap = await CausalLM.load(dir, { ...(q && { quantize: q }) });
    const model = await CausalLM.load(dir, { ...(q && { quantize: q }), memory });
    const linears = new Set([...model.linearModules().values()].flatMap((l) => l.parameters()));
    for (const p of model.parameters()) {
      const conv1d = architecture === 'gpt2' && linears.has(p) && p.name.endsWith('.weight');
      const inMemory = memoryOf(p.data as F32) === memory;
      expect(inMemory, `${p.name} in the wasm memory`).toBe(!conv1d);
    }
    for (const linear of model.linearModules().values())
      if (q) expect(linear.parameters().some((p) => p.name.endsWith('.weight'))).toBe(false); // 4-bit: no dense weight
    const embed = model.parameters()[0]!;
    await model.useMemory(memory);
    expect(model.parameters()[0], 'useMemory leaves it in place').toBe(embed);
    expect(Object.is(await lossOf(model), await lossOf(onHeap))).toBe(true);
  });

  test('a memory host code cannot address is refused, naming it', async () => {
    const gpuLike = { ...hostMemory, name: 'webgpu', host: false };
    await expect(CausalLM.load(dir, { memory: gpuLike })).rejects.toThrow(
      `${dir}: LoadOptions.memory: expected a host-addressable memory (the wasm backend's), got "webgpu" memory; load, then move the model with useMemory`,
    );
  });
});
