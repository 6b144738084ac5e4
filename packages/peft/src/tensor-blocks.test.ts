// modules_to_save of a model whose embedding and lm_head are split into row blocks (a memory with a largest array):
// the adapter file is the one the unsplit model writes, and loading it fills every block.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DeviceMemory, hostMemory, writeHost } from '@lora/core';
import { CausalLM, writeTinyCheckpoint } from '@lora/models';
import { makeRng } from '@lora/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loraConfig } from './config.js';
import { injectLora } from './lora-model.js';
import { ADAPTER_WEIGHTS_NAME, loadAdapter, saveAdapter } from './save-load.js';

let root: string;
let checkpoint: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'peft-tensor-blocks-'));
  checkpoint = (await writeTinyCheckpoint(join(root, 'llama'), 'llama', { seed: 5 })).dir; // vocab 128, hidden 32
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The host memory posing as a device whose largest array is 8 kB: the (128, 32) tables split in two blocks. */
const limited: DeviceMemory = Object.assign(Object.create(hostMemory), {
  name: 'small',
  maxArrayBytes: 8192,
});
const config = loraConfig({
  r: 2,
  lora_alpha: 4,
  target_modules: ['q_proj'],
  modules_to_save: ['embed_tokens', 'lm_head'],
});
const ids = Int32Array.from([5, 117, 42, 9, 88, 3, 127, 64]);

test('modules_to_save of split tables: saved whole, as the unsplit model saves them, and loaded into every block', async () => {
  const whole = await CausalLM.load(checkpoint);
  const lm = injectLora(whole, config);
  const rng = makeRng(9);
  for (const p of lm.extraTrainable.values())
    writeHost(
      p.data,
      Float32Array.from({ length: p.data.length }, () => rng.normal()),
    );
  const saved = join(root, 'whole');
  await saveAdapter(saved, lm);

  const split = await CausalLM.load(checkpoint);
  await split.useMemory(limited);
  expect(
    split
      .parameters()
      .filter((p) => p.rowBlock)
      .map((p) => [p.name, p.shape[0]]),
  ).toEqual([
    ['model.embed_tokens.weight', 64],
    ['model.embed_tokens.weight', 64],
    ['lm_head.weight', 64],
    ['lm_head.weight', 64],
  ]);
  const loaded = await loadAdapter(saved, split, { isTrainable: true });
  expect(
    split
      .parameters()
      .filter((p) => p.rowBlock)
      .every((p) => p.trainable),
  ).toBe(true);
  expect(await split.logits(ids, 1, 8)).toEqual(await whole.logits(ids, 1, 8));
  const again = join(root, 'split');
  await saveAdapter(again, loaded);
  expect(await readFile(join(again, ADAPTER_WEIGHTS_NAME))).toEqual(
    await readFile(join(saved, ADAPTER_WEIGHTS_NAME)),
  );
});
