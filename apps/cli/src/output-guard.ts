// Every command that writes claims its output folder first: the folder is apart from the command's inputs (never
// is, contains or lies inside one), it is a writable folder, no other run writes there (an exclusive lock for the
// command's life), and an earlier run in it is replaced only with --overwrite (or continued with --resume).
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  acquireOutputLock,
  ensureFolder,
  FilesError,
  OutputLockedError,
  pathRelation,
  removeStaleTemps,
} from '@lora/files';
import { UsageError } from './errors.js';

/** What a previous run of a command leaves in its output folder: exact names or patterns. */
export type RunFiles = readonly (string | RegExp)[];

/** A training run's files (the adapter, its record, logs and checkpoints). */
export const TRAINING_RUN_FILES: RunFiles = [
  'adapter_model.safetensors',
  'adapter_config.json',
  'run_config.json',
  'eval_results.json',
  'report.md',
  'loss.svg',
  'predictions.jsonl',
  'metrics.jsonl',
  'training.log',
  'trainer_state.json',
  /^checkpoint-\d+$/,
];

/** What a training run writes at its end only: absent until the run completes. */
export const TRAINING_RESULT_FILES: RunFiles = TRAINING_RUN_FILES.slice(0, 7);

/** A Hugging Face model folder's weights and config (merge, quantize). */
export const MODEL_FILES: RunFiles = ['config.json', 'model.safetensors.index.json', /\.safetensors$/];

export interface ClaimRequest {
  /** the verb, for messages and the lock ("train") */
  verb: string;
  /** the output folder (an absolute path) */
  output: string;
  /** how to name it in messages: the flag or the config line */
  outputLabel: string;
  /** the output came from --config (a config shared with lora train names the training run's folder there) */
  outputFromConfig?: boolean;
  /** the command's inputs as [label, path]; undefined paths are skipped */
  inputs: readonly (readonly [string, string | undefined])[];
  /** what an earlier run of this command leaves in the folder */
  runFiles: RunFiles;
  /** an earlier run there: refused, replaced (--overwrite) or continued (--resume) */
  existing: 'refuse' | 'overwrite' | 'resume';
  out: (line: string) => void;
}

export interface OutputClaim {
  dir: string;
  release(): Promise<void>;
}

const matches = (name: string, files: RunFiles) =>
  files.some((f) => (typeof f === 'string' ? f === name : f.test(name)));

/** The names in `dir` that an earlier run of the command left (none when it does not exist). */
export async function earlierRunFiles(dir: string, files: RunFiles): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => matches(n, files)).sort();
}

/** Refuse an output that is, contains or lies inside one of the inputs. */
export async function refuseOutputOverInputs(
  outputLabel: string,
  output: string,
  inputs: ClaimRequest['inputs'],
): Promise<void> {
  for (const [label, path] of inputs) {
    if (path === undefined) continue;
    const relation = await pathRelation(output, path);
    if (relation === 'apart') continue;
    const found =
      relation === 'same'
        ? `the ${label} ${path} itself`
        : relation === 'contains'
          ? `a folder that holds the ${label} ${path}`
          : `a folder inside the ${label} ${path}`;
    throw new UsageError(
      `${outputLabel} ${output}: expected a folder apart from the command's inputs, got ${found} (writing there would replace what it reads)`,
    );
  }
}

/** What marks a folder as a training run's (or an adapter's): never another verb's output. */
const TRAINING_RUN_MARKERS: RunFiles = ['adapter_config.json', 'run_config.json', /^checkpoint-\d+$/];

/**
 * Refuse a training run's folder as the output of another verb (merge, quantize, prepare): their --overwrite would
 * delete the adapter's weights with their own. When the folder came from a config's `output:` (which a config
 * shared with lora train gives to every verb), this and the inputs refusal say so.
 */
async function refuseTrainingRunFolder(r: ClaimRequest): Promise<void> {
  if (r.verb === 'train' || r.verb === 'sweep') return;
  const found = await earlierRunFiles(r.output, TRAINING_RUN_MARKERS);
  if (found.length === 0) return;
  const why = r.outputFromConfig ? `; ${SHARED_CONFIG_OUTPUT}` : '';
  try {
    await refuseOutputOverInputs(r.outputLabel, r.output, r.inputs);
  } catch (error) {
    if (!(error instanceof UsageError) || why === '') throw error;
    throw new UsageError(`${error.message}${why}: pass --output DIR for lora ${r.verb}`, { cause: error });
  }
  throw new UsageError(
    `${r.outputLabel} ${r.output}: expected a folder for what lora ${r.verb} writes, got a training run's folder (it holds ${found.slice(0, 3).join(', ')})${why}: pass --output DIR for lora ${r.verb}`,
  );
}

const SHARED_CONFIG_OUTPUT =
  "the config's output: is the training run's folder (a config shared with lora train gives it to every verb)";

/** Check the output folder against the inputs, make it, lock it, and deal with an earlier run in it. */
export async function claimOutput(r: ClaimRequest): Promise<OutputClaim> {
  await refuseTrainingRunFolder(r);
  await refuseOutputOverInputs(r.outputLabel, r.output, r.inputs);
  try {
    await ensureFolder(r.output);
  } catch (error) {
    if (error instanceof FilesError)
      throw new UsageError(`${r.outputLabel} ${error.message}`, { cause: error });
    throw error;
  }
  let lock: Awaited<ReturnType<typeof acquireOutputLock>>;
  try {
    lock = await acquireOutputLock(r.output, { command: `lora ${r.verb}`, takeOverStale: true });
  } catch (error) {
    if (error instanceof OutputLockedError || error instanceof FilesError) {
      throw new UsageError(
        `${r.outputLabel} ${r.output}: expected no other run writing into it, got ${error.found} (${error.path})`,
        { cause: error },
      );
    }
    throw error;
  }
  try {
    if (lock.tookOver) {
      r.out(
        `note: took over the lock of pid ${lock.tookOver.pid} (started ${lock.tookOver.started}), which is no longer running`,
      );
    }
    const earlier = await earlierRunFiles(r.output, r.runFiles);
    if (earlier.length > 0 && r.existing === 'refuse') {
      const shown =
        earlier.slice(0, 4).join(', ') + (earlier.length > 4 ? `, … (${earlier.length} in all)` : '');
      const resume = r.verb === 'train' || r.verb === 'sweep' ? ' or --resume to continue it' : '';
      throw new UsageError(
        `${r.outputLabel} ${r.output}: expected an empty or new folder, got one holding an earlier run (${shown}): pass --overwrite to replace it${resume}`,
      );
    }
    if (earlier.length > 0 && r.existing === 'overwrite') {
      for (const name of earlier) await rm(join(r.output, name), { recursive: true, force: true });
      r.out(`--overwrite: removed the earlier run in ${r.output} (${earlier.length} files and folders)`);
    }
    await removeStaleTemps(r.output);
  } catch (error) {
    await lock.release();
    throw error;
  }
  return { dir: r.output, release: () => lock.release() };
}

/** refuse, overwrite or resume, from --overwrite / --resume (both at once is refused). */
export function existingPolicy(overwrite: boolean, resume: boolean): ClaimRequest['existing'] {
  if (overwrite && resume)
    throw new UsageError('expected --overwrite (start over) or --resume (continue), got both');
  return overwrite ? 'overwrite' : resume ? 'resume' : 'refuse';
}
