// Restoring a run from checkpoint-N/: parameters, the optimizer's state and step, dropout RNG words, data position and
// trainer state — after checking the checkpoint was written for the same data layout and parameters.
import { type Parameter, writeHost } from '@lora/core';
import type { LoadedCheckpoint } from './checkpoint.js';
import type { ResolvedConfig } from './config.js';
import { CheckpointError } from './errors.js';
import type { Optimizer } from './optimizer.js';
import { wholeTensors } from './whole-tensors.js';

export interface RestoredPosition {
  epoch: number;
  batchInEpoch: number;
  totalLoss: number;
  rngState: number[];
  /** notes for training.log (settings that changed since the checkpoint) */
  notes: string[];
}

/** Copy a loaded checkpoint into `params` and `optimizer`; returns where the data loader resumes. */
export function restoreCheckpoint(
  loaded: LoadedCheckpoint,
  params: readonly Parameter[],
  optimizer: Optimizer,
  config: ResolvedConfig,
  numExamples: number,
): RestoredPosition {
  const { path, data, rng, scheduler, trainerState } = loaded;
  const expectEqual = (what: string, saved: unknown, now: unknown, advice: string) => {
    if (saved !== now) {
      throw new CheckpointError(
        path,
        `resume from ${path}: ${what} was ${String(saved)} when it was saved, got ${String(now)}; ${advice}`,
      );
    }
  };
  const sameData = 'resume with the same dataset and batch settings (the data position depends on them)';
  expectEqual('the number of training examples', data.num_examples, numExamples, sameData);
  expectEqual('batchSize', data.batch_size, config.batchSize, sameData);
  expectEqual(
    'gradientAccumulationSteps',
    data.gradient_accumulation_steps,
    config.gradientAccumulationSteps,
    sameData,
  );
  expectEqual('shuffle', rng.shuffle.enabled, config.shuffle, sameData);
  expectEqual('seed', rng.shuffle.seed, config.seed, 'resume with the same seed');
  expectEqual(
    'the optimizer',
    loaded.optimizerName,
    optimizer.name,
    `resume with optim ${loaded.optimizerName} (its state cannot be read as another optimizer's), or start a new run`,
  );
  expectEqual(
    'loraplusLrRatio (LoRA+)',
    loaded.loraplusLrRatio ?? 'off',
    optimizer.loraplusLrRatio ?? 'off',
    'resume with the same LoRA+ setting (the optimizer groups and their learning rates depend on it), or start a new run',
  );
  expectEqual(
    'the optimizer step',
    loaded.optimizerStep,
    trainerState.global_step,
    'the checkpoint is inconsistent',
  );

  // each tensor was saved whole under its name: its rows go into whatever row blocks the model keeps it in now
  const tensors = wholeTensors(params);
  const names = new Set(tensors.map((t) => t.name));
  const extra = [...loaded.params.keys()].filter((n) => !names.has(n));
  if (extra.length > 0) {
    throw new CheckpointError(
      path,
      `resume from ${path}: the checkpoint holds parameters the model does not train: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`,
    );
  }
  for (const t of tensors) {
    const saved = loaded.params.get(t.name);
    if (!saved)
      throw new CheckpointError(
        path,
        `resume from ${path}: expected trainable parameter "${t.name}" in the checkpoint, got none`,
      );
    if (saved.length !== t.size) {
      throw new CheckpointError(
        path,
        `resume from ${path}: parameter "${t.name}" expected ${t.size} elements, got ${saved.length}`,
      );
    }
  }
  for (const t of tensors) {
    const saved = loaded.params.get(t.name)!;
    for (const b of t.blocks)
      writeHost(b.param.data, saved.subarray(b.offset, b.offset + b.param.data.length));
  }
  optimizer.loadState(
    loaded.optimizerStep,
    loaded.optimizerTensors,
    loaded.optimizerPath,
    loaded.optimizerMetadata,
  );

  const notes: string[] = [];
  const schedNow = { type: config.lrSchedulerType, base_lr: config.learningRate };
  if (scheduler.type !== schedNow.type || scheduler.base_lr !== schedNow.base_lr) {
    notes.push(
      `note: the schedule changed since the checkpoint (${scheduler.type} at ${scheduler.base_lr} → ${schedNow.type} at ${schedNow.base_lr})`,
    );
  }
  return {
    epoch: data.epoch,
    batchInEpoch: data.batch_in_epoch,
    totalLoss: data.total_loss,
    rngState: rng.dropout.state,
    notes,
  };
}
