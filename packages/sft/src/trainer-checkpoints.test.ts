import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTempName } from '@lora/files';
import { hostF32 } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { latestCheckpoint } from './checkpoint.js';
import { CheckpointError } from './errors.js';
import { ToyLM } from './toy-model.js';
import { Trainer } from './trainer.js';
import {
  checkpointRunConfig,
  checkpointRunData as data,
  readMetrics,
  tempDir,
} from './trainer.test-support.js';
import type { TrainerState } from './trainer-state.js';

const model = () => new ToyLM({ vocabSize: data.vocab, hiddenSize: 6, dropout: 0.1, seed: 4 });
const adapterFile = async (dir: string) => writeFile(join(dir, 'adapter_model.safetensors'), 'partial');

describe('checkpoints', () => {
  test('save_total_limit 2 prunes the oldest but never the best; best_model_checkpoint follows metric_for_best_model', async () => {
    const outputDir = await tempDir('limit');
    // greaterIsBetter on eval_loss makes an early checkpoint the best (the loss falls), so pruning must skip it
    const config = checkpointRunConfig(outputDir, { evalSteps: 1, saveTotalLimit: 2, greaterIsBetter: true });
    const result = await new Trainer({
      model: model(),
      trainDataset: data.train,
      evalDataset: data.eval,
      config,
      saveAdapter: adapterFile,
    }).train();
    const evals = (await readMetrics(outputDir)).filter((e) => 'eval_loss' in e);
    expect(evals).toHaveLength(8);
    const best = evals.reduce((a, b) => (b.eval_loss! > a.eval_loss! ? b : a));
    expect(best.step).toBeLessThan(7);
    const bestPath = join(outputDir, `checkpoint-${best.step}`);
    expect(result.bestModelCheckpoint).toBe(bestPath);
    expect(result.bestMetric).toBe(best.eval_loss);
    expect((await readdir(outputDir)).filter((n) => n.startsWith('checkpoint-')).sort()).toEqual(
      [`checkpoint-${best.step}`, 'checkpoint-8'].sort(),
    );
    const state = JSON.parse(await readFile(join(outputDir, 'trainer_state.json'), 'utf8')) as TrainerState;
    expect(state).toMatchObject({
      global_step: 8,
      best_global_step: best.step,
      best_metric: best.eval_loss,
      best_model_checkpoint: bestPath,
      max_steps: 8,
    });
    expect(await readdir(join(outputDir, 'checkpoint-8'))).toEqual([
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
    const outputDir = await tempDir('best');
    const config = checkpointRunConfig(outputDir, { evalSteps: 2, saveSteps: 2, maxSteps: 6 });
    const result = await new Trainer({
      model: model(),
      trainDataset: data.train,
      evalDataset: data.eval,
      config,
    }).train();
    const evals = (await readMetrics(outputDir)).filter((e) => 'eval_loss' in e);
    const best = evals.reduce((a, b) => (b.eval_loss! < a.eval_loss! ? b : a));
    expect(result.bestModelCheckpoint).toBe(join(outputDir, `checkpoint-${best.step}`));
  });

  test('a failing saveAdapter leaves no checkpoint-N and no temp folder; the earlier checkpoints stay', async () => {
    const outputDir = await tempDir('fail');
    const trainer = new Trainer({
      model: model(),
      trainDataset: data.train,
      config: checkpointRunConfig(outputDir),
      saveAdapter: async (dir, { step }) => {
        await adapterFile(dir);
        if (step === 3) throw new Error('adapter export failed');
      },
    });
    const error = await trainer.train().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(/writing .*checkpoint-3 failed: adapter export failed/);
    expect((await readdir(outputDir)).filter((n) => n.includes('checkpoint')).sort()).toEqual([
      'checkpoint-1',
      'checkpoint-2',
    ]);
  });

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
    expect(await latestCheckpoint(outputDir)).toBe(join(outputDir, 'checkpoint-3'));

    const resumed = model();
    await new Trainer({
      model: resumed,
      trainDataset: data.train,
      config: checkpointRunConfig(outputDir, { resume: true }),
      saveAdapter: adapterFile,
    }).train();
    expect((await readdir(outputDir)).some(isTempName)).toBe(false);
    const fullDir = await tempDir('crash-full');
    const full = model();
    await new Trainer({
      model: full,
      trainDataset: data.train,
      config: checkpointRunConfig(fullDir),
      saveAdapter: adapterFile,
    }).train();
    full.parameters().forEach((p, i) => {
      expect(Array.from(hostF32(resumed.parameters()[i]!.data)), p.name).toEqual(Array.from(hostF32(p.data)));
    });
  });

  test('latestCheckpoint skips a checkpoint-N folder that lacks files (not written by this trainer)', async () => {
    const outputDir = await tempDir('latest');
    await new Trainer({
      model: model(),
      trainDataset: data.train,
      config: checkpointRunConfig(outputDir, { maxSteps: 2 }),
    }).train();
    await mkdir(join(outputDir, 'checkpoint-9'));
    await writeFile(join(outputDir, 'checkpoint-9', 'trainer_state.json'), '{}');
    expect(await latestCheckpoint(outputDir)).toBe(join(outputDir, 'checkpoint-2'));
  });
});
