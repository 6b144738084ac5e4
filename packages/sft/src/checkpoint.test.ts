// Reading a checkpoint back: every JSON state file is checked key by key and every tensor for NaN/Inf, so a damaged
// checkpoint fails at load naming the file and the key or tensor — never mid-resume as a TypeError or a NaN loss.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SafetensorsFile, type TensorInputs, writeSafetensors } from '@lora/safetensors';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadCheckpoint, OPTIMIZER_FILE, RNG_FILE, TRAINABLE_FILE } from './checkpoint.js';
import { CheckpointError } from './errors.js';
import { nodeStorage } from './node-storage.js';
import { ToyLM } from './toy-model.js';
import { Trainer } from './trainer.js';
import { checkpointRunConfig, checkpointRunData as data, tempDir } from './trainer.test-support.js';

const model = () => new ToyLM({ vocabSize: data.vocab, hiddenSize: 6, dropout: 0.1, seed: 4 });

/** A fresh run of 2 steps with a checkpoint at each; returns the output folder. */
async function run(label: string): Promise<string> {
  const outputDir = await tempDir(label);
  await new Trainer({
    model: model(),
    trainDataset: data.train,
    config: checkpointRunConfig({ maxSteps: 2 }),
    storage: await nodeStorage(outputDir),
  }).train();
  return outputDir;
}

const resume = async (outputDir: string) =>
  new Trainer({
    model: model(),
    trainDataset: data.train,
    config: checkpointRunConfig({ maxSteps: 4, resume: true }),
    storage: await nodeStorage(outputDir),
  })
    .train()
    .catch((e: unknown) => e);

const load = async (outputDir: string) => loadCheckpoint(await nodeStorage(outputDir), 'checkpoint-2');

let pristine: string;
beforeAll(async () => {
  pristine = join(await run('pristine'), 'checkpoint-2');
});

describe('JSON state files are checked key by key', () => {
  const rng = () => readFile(join(pristine, RNG_FILE), 'utf8').then((t) => JSON.parse(t));
  test.each<[string, (good: Record<string, Record<string, unknown>>) => unknown, string, string]>([
    ['an empty object', () => ({}), RNG_FILE, 'shuffle: expected an object, got nothing'],
    ['an array', () => [], RNG_FILE, 'the file: expected an object, got []'],
    [
      'three state words',
      (g) => ({ ...g, dropout: { ...g.dropout, state: [1, 2, 3] } }),
      RNG_FILE,
      'dropout.state: expected four uint32 words, got [1,2,3]',
    ],
    [
      'a negative word',
      (g) => ({ ...g, dropout: { ...g.dropout, state: [1, -2, 3, 4] } }),
      RNG_FILE,
      'dropout.state[1]: expected an integer from 0 to 4294967295, got -2',
    ],
    [
      'all-zero words',
      (g) => ({ ...g, dropout: { ...g.dropout, state: [0, 0, 0, 0] } }),
      RNG_FILE,
      'dropout.state: expected four uint32 words, not all zero, got [0,0,0,0]',
    ],
    [
      'another algorithm',
      (g) => ({ ...g, dropout: { ...g.dropout, algorithm: 'mt19937' } }),
      RNG_FILE,
      'dropout.algorithm: expected "xoshiro128**", got "mt19937"',
    ],
    [
      'a string seed',
      (g) => ({ ...g, shuffle: { ...g.shuffle, seed: '42' } }),
      RNG_FILE,
      'shuffle.seed: expected an integer from 0 to 4294967295, got "42"',
    ],
    [
      'a missing flag',
      (g) => ({ ...g, shuffle: { seed: 42, epoch: 0 } }),
      RNG_FILE,
      'shuffle.enabled: expected true or false, got nothing',
    ],
  ])('rng_state.json with %s', async (_, edit, file, message) => {
    const outputDir = await run('rng');
    const path = join(outputDir, 'checkpoint-2', file);
    await writeFile(path, JSON.stringify(edit(await rng())));
    const error = await load(outputDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toBe(`${path}: ${message}`);
  });

  test.each([
    [
      'scheduler.json',
      { type: 'linear', base_lr: 0.03, warmup_steps: 0, total_steps: 2, last_epoch: 2 },
      'last_lr: expected a finite number, got nothing',
    ],
    [
      'scheduler.json',
      { type: 'cyclic' },
      'type: expected one of linear, cosine, constant, constant_with_warmup, got "cyclic"',
    ],
    ['data_state.json', {}, 'epoch: expected an integer >= 0, got nothing'],
    [
      'data_state.json',
      { epoch: 0, batch_in_epoch: 2, num_examples: 12, batch_size: 0 },
      'batch_size: expected an integer >= 1, got 0',
    ],
    ['data_state.json', null, 'the file: expected an object, got null'],
  ])('%s holding %j', async (file, value, message) => {
    const outputDir = await run('state');
    const path = join(outputDir, 'checkpoint-2', file);
    await writeFile(path, JSON.stringify(value));
    await expect(load(outputDir)).rejects.toThrow(new CheckpointError(path, `${path}: ${message}`));
  });

  test('resuming from rng_state.json of {} stops with that one line, not "Cannot read properties of undefined"', async () => {
    const outputDir = await run('resume-rng');
    const path = join(outputDir, 'checkpoint-2', RNG_FILE);
    await writeFile(path, '{}');
    const error = await resume(outputDir);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toBe(`${path}: shuffle: expected an object, got nothing`);
  });
});

describe('tensors holding NaN or Infinity are refused by file and name', () => {
  async function spoil(path: string, pick: (names: string[]) => string, at: number[], value: number) {
    const file = await SafetensorsFile.open(path);
    const tensors: Record<string, TensorInputs[string]> = {};
    const names = file.tensorNames();
    const name = pick(names);
    for (const n of names) {
      const d = await file.readF32(n);
      if (n === name) for (const i of at) d[i] = value;
      tensors[n] = { dtype: 'F32', shape: file.info(n).shape, data: d };
    }
    const metadata = { ...file.metadata };
    await file.close();
    await writeSafetensors(path, tensors, metadata);
    return name;
  }

  test.each([
    [TRAINABLE_FILE, (names: string[]) => names[0]!, [1], Number.NaN],
    [
      OPTIMIZER_FILE,
      (names: string[]) => names.find((n) => n.endsWith('.exp_avg_sq'))!,
      [0, 2],
      Number.POSITIVE_INFINITY,
    ],
  ])('%s', async (fileName, pick, at, value) => {
    const outputDir = await run('tensor');
    const path = join(outputDir, 'checkpoint-2', fileName);
    const name = await spoil(path, pick, at, value);
    const error = await resume(outputDir);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: tensor "${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}": expected finite values, got ${at.length} non-finite of \\d+ \\(first: element ${at[0]} is ${value}\\)$`,
      ),
    );
  });
});

test('loadCheckpoint checks its argument', async () => {
  await expect(loadCheckpoint(await nodeStorage(pristine), undefined as unknown as string)).rejects.toThrow(
    /loadCheckpoint: name: expected a checkpoint folder name, got undefined/,
  );
});

test('a missing file is named by its path', async () => {
  const outputDir = await run('missing');
  const { rm } = await import('node:fs/promises');
  const path = join(outputDir, 'checkpoint-2', OPTIMIZER_FILE);
  await rm(path);
  await expect(load(outputDir)).rejects.toThrow(
    `cannot read ${path}: expected a safetensors file written by saveCheckpoint, got no such file`,
  );
});
