import { spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTempName } from '@lora/files';
import { hostF32 } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { latestCheckpoint } from './checkpoint.js';
import { CheckpointError } from './errors.js';
import { nodeStorage } from './node-storage.js';
import { type FolderWriter, readText } from './run-storage.js';
import { ToyLM } from './toy-model.js';
import { Trainer } from './trainer.js';
import {
  checkpointRunConfig,
  checkpointRunData as data,
  readMetrics,
  STORAGES,
  tempDir,
} from './trainer.test-support.js';
import type { TrainerState } from './trainer-state.js';

const model = () => new ToyLM({ vocabSize: data.vocab, hiddenSize: 6, dropout: 0.1, seed: 4 });
const adapterFile = (folder: FolderWriter) => folder.writeFile('adapter_model.safetensors', 'partial');
const folders = async (storage: { list(): Promise<{ name: string; kind: string }[]> }) =>
  (await storage.list())
    .filter((e) => e.kind === 'folder')
    .map((e) => e.name)
    .sort();

describe.each(STORAGES)('checkpoints (%s storage)', (_, makeStorage) => {
  test('save_total_limit 2 prunes the oldest but never the best; best_model_checkpoint follows metric_for_best_model', async () => {
    const storage = await makeStorage('limit');
    // greaterIsBetter on eval_loss makes an early checkpoint the best (the loss falls), so pruning must skip it
    const config = checkpointRunConfig({ evalSteps: 1, saveTotalLimit: 2, greaterIsBetter: true });
    const result = await new Trainer({
      model: model(),
      trainDataset: data.train,
      evalDataset: data.eval,
      config,
      storage,
      saveAdapter: adapterFile,
    }).train();
    const evals = (await readMetrics(storage)).filter((e) => 'eval_loss' in e);
    expect(evals).toHaveLength(8);
    const best = evals.reduce((a, b) => (b.eval_loss! > a.eval_loss! ? b : a));
    expect(best.step).toBeLessThan(7);
    const bestPath = storage.pathOf(`checkpoint-${best.step}`);
    expect(result.bestModelCheckpoint).toBe(bestPath);
    expect(result.bestMetric).toBe(best.eval_loss);
    expect(await folders(storage)).toEqual([`checkpoint-${best.step}`, 'checkpoint-8'].sort());
    const state = JSON.parse((await readText(storage, 'trainer_state.json'))!) as TrainerState;
    expect(state).toMatchObject({
      global_step: 8,
      best_global_step: best.step,
      best_metric: best.eval_loss,
      best_model_checkpoint: bestPath,
      max_steps: 8,
    });
    expect((await storage.list('checkpoint-8')).map((e) => e.name)).toEqual([
      'adapter_model.safetensors',
      'data_state.json',
      'optimizer.safetensors',
      'rng_state.json',
      'scheduler.json',
      'trainable.safetensors',
      'trainer_state.json',
    ]);
  });

  test('the default metric (eval_loss, lower is better) picks the lowest eval loss', async () => {
    const storage = await makeStorage('best');
    const config = checkpointRunConfig({ evalSteps: 2, saveSteps: 2, maxSteps: 6 });
    const result = await new Trainer({
      model: model(),
      trainDataset: data.train,
      evalDataset: data.eval,
      config,
      storage,
    }).train();
    const evals = (await readMetrics(storage)).filter((e) => 'eval_loss' in e);
    const best = evals.reduce((a, b) => (b.eval_loss! < a.eval_loss! ? b : a));
    expect(result.bestModelCheckpoint).toBe(storage.pathOf(`checkpoint-${best.step}`));
  });

  test('a failing saveAdapter leaves no checkpoint-N and nothing to clean up; the earlier checkpoints stay', async () => {
    const storage = await makeStorage('fail');
    const trainer = new Trainer({
      model: model(),
      trainDataset: data.train,
      config: checkpointRunConfig(),
      storage,
      saveAdapter: async (folder, { step }) => {
        await adapterFile(folder);
        if (step === 3) throw new Error('adapter export failed');
      },
    });
    const error = await trainer.train().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toBe(
      `writing ${storage.pathOf('checkpoint-3')} failed: adapter export failed; no partial folder was left`,
    );
    expect(await folders(storage)).toEqual(['checkpoint-1', 'checkpoint-2']);
    expect(await storage.removeStaleTemps()).toEqual([]);
  });

  test('latestCheckpoint skips a checkpoint-N folder that lacks files (not written by this trainer)', async () => {
    const storage = await makeStorage('latest');
    await new Trainer({
      model: model(),
      trainDataset: data.train,
      config: checkpointRunConfig({ maxSteps: 2 }),
      storage,
    }).train();
    await storage.writeFolder('checkpoint-9', (folder) => folder.writeFile('trainer_state.json', '{}'));
    expect(await latestCheckpoint(storage)).toBe(storage.pathOf('checkpoint-2'));
  });
});

describe('checkpoints in a Node folder', () => {
  test('a process killed mid-save leaves the folder absent (only a temp); resume uses the last complete one and matches an uninterrupted run', async () => {
    const outputDir = await tempDir('crash');
    const child = spawnSync(
      process.execPath,
      [
        '--conditions=@lora/source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./crash-during-save.test-support.ts', import.meta.url)),
        outputDir,
        '4',
      ],
      {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        encoding: 'utf8',
      },
    );
    expect(child.signal, child.stderr).toBe('SIGKILL');
    const names = await readdir(outputDir);
    expect(names.filter((n) => n.startsWith('checkpoint-')).sort()).toEqual([
      'checkpoint-1',
      'checkpoint-2',
      'checkpoint-3',
    ]);
    expect(names.some((n) => n.startsWith('.checkpoint-4.') && isTempName(n))).toBe(true);
    const storage = await nodeStorage(outputDir);
    expect(await latestCheckpoint(storage)).toBe(join(outputDir, 'checkpoint-3'));

    const resumed = model();
    await new Trainer({
      model: resumed,
      trainDataset: data.train,
      config: checkpointRunConfig({ resume: true }),
      storage,
      saveAdapter: adapterFile,
    }).train();
    expect((await readdir(outputDir)).some(isTempName)).toBe(false);
    const full = model();
    await new Trainer({
      model: full,
      trainDataset: data.train,
      config: checkpointRunConfig(),
      storage: await nodeStorage(await tempDir('crash-full')),
      saveAdapter: adapterFile,
    }).train();
    full.parameters().forEach((p, i) => {
      expect(Array.from(hostF32(resumed.parameters()[i]!.data)), p.name).toEqual(Array.from(hostF32(p.data)));
    });
  });

  test('the files on disk: checkpoint-N/, metrics.jsonl, trainer_state.json, training.log', async () => {
    const outputDir = await tempDir('layout');
    const result = await new Trainer({
      model: model(),
      trainDataset: data.train,
      config: checkpointRunConfig({ maxSteps: 2 }),
      storage: await nodeStorage(outputDir),
      saveAdapter: async (folder) => {
        // a writer that takes a folder path (@lora/peft's saveAdapter) writes into the one being assembled
        const { writeFile } = await import('node:fs/promises');
        await writeFile(join(folder.localPath!, 'adapter_config.json'), '{}');
      },
    }).train();
    expect(result.lastCheckpoint).toBe(join(outputDir, 'checkpoint-2'));
    expect((await readdir(outputDir)).sort()).toEqual([
      'checkpoint-1',
      'checkpoint-2',
      'metrics.jsonl',
      'trainer_state.json',
      'training.log',
    ]);
    expect((await readdir(join(outputDir, 'checkpoint-2'))).sort()).toContain('adapter_config.json');
  });
});
