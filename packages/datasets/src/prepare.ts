// prepareDatasets: several sources → sampled, merged, normalised, shuffled, split, and written as JSON Lines.

import { writeFilesAtomic } from './atomic-write.js';
import { DatasetError, preview } from './errors.js';
import { type SftExample, toMessages } from './examples.js';
import { type LoadStats, loadDataset, type SourceOptions } from './load.js';
import { shuffledIndices } from '@lora/core';
import { sampleIndices } from './sample.js';
import { type SplitOptions, splitSizes } from './split.js';

/** One source of `prepareDatasets`: a file, how to read it, its label, and a sample size. */
export interface PrepareSource extends SourceOptions {
  path: string;
  /** a label for stats (default: the path) */
  name?: string;
  /** a count (integer >= 1; above the source size it repeats the source) or a fraction in (0, 1) */
  sample?: number;
}

/** The input of `prepareDatasets`: the sources, the output folder, the seed and the evaluation split. */
export interface PrepareConfig extends SplitOptions {
  sources: PrepareSource[];
  /** where train.jsonl and eval.jsonl are written (created if missing) */
  outDir: string;
  /** shuffling and sampling seed, an integer in [0, 2^32); default 42 */
  seed?: number;
}

/** Per source, what `prepareDatasets` read and how many examples it used. */
export interface SourceStats extends LoadStats {
  name: string;
  /** examples taken from this source after sampling */
  used: number;
}

/** What `prepareDatasets` wrote: per source, the totals, and the train / eval sizes. */
export interface PrepareStats {
  seed: number;
  sources: SourceStats[];
  total: number;
  train: number;
  eval: number;
  files: { train: string; eval?: string };
}

/** The record written for an example: `{ messages, tools? }`, `{ text }` or `{ input_ids, labels? }`. */
export type PreparedRecord =
  | { messages: { role: string; content: string }[]; tools?: string }
  | { text: string }
  | { input_ids: number[]; labels?: number[] };

/**
 * An example as the normalised JSONL record `prepareDatasets` writes (`{ messages }`, `{ text }` or `{
 * input_ids, labels }`).
 */
export function toPreparedRecord(example: SftExample): PreparedRecord {
  if (example.format === 'text') return { text: example.text };
  if (example.format === 'tokenized') {
    return example.labels === undefined
      ? { input_ids: example.inputIds }
      : { input_ids: example.inputIds, labels: example.labels };
  }
  const messages = toMessages(example)!.map(({ role, content }) => ({ role, content }));
  const tools = example.format === 'messages' || example.format === 'preference' ? example.tools : undefined;
  return tools === undefined ? { messages } : { messages, tools };
}

function kindOf(example: SftExample): string {
  return example.format === 'text' || example.format === 'tokenized' ? example.format : 'messages';
}

/** Mixes the config seed with the source position, so each source samples independently but reproducibly. */
function sourceSeed(seed: number, i: number): number {
  return (seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0;
}

function checkConfig(config: PrepareConfig): number {
  if (!Array.isArray(config.sources) || config.sources.length === 0) {
    throw new DatasetError(`sources: expected at least one source, got ${preview(config.sources)}`, {
      key: 'sources',
    });
  }
  config.sources.forEach((s, i) => {
    if (typeof s?.path !== 'string' || s.path === '') {
      throw new DatasetError(`sources[${i}].path: expected a file path, got ${preview(s?.path)}`, {
        key: 'path',
      });
    }
  });
  if (typeof config.outDir !== 'string' || config.outDir === '') {
    throw new DatasetError(`outDir: expected a directory path, got ${preview(config.outDir)}`, {
      key: 'outDir',
    });
  }
  const seed = config.seed ?? 42;
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new DatasetError(`seed: expected an integer in [0, 2^32), got ${preview(seed)}`, { key: 'seed' });
  }
  return seed;
}

/**
 * Load every source, sample each, normalise to one record kind (messages for every conversational format),
 * shuffle the union with `seed`, split off eval (HF `train_test_split` sizes), and write `train.jsonl` and
 * `eval.jsonl` atomically. Without evalRatio/evalSize only train.jsonl is written (and a stale eval.jsonl is
 * removed). Same config and seed → byte-identical files.
 */
export async function prepareDatasets(config: PrepareConfig): Promise<PrepareStats> {
  const seed = checkConfig(config);
  const merged: PreparedRecord[] = [];
  const sources: SourceStats[] = [];
  let kind: { kind: string; name: string } | undefined;
  for (const [i, source] of config.sources.entries()) {
    const { path, name = path, sample, ...options } = source;
    const loaded = await loadDataset(path, options);
    const picks = sampleIndices(loaded.examples.length, sample, sourceSeed(seed, i), `sources[${i}].sample`);
    for (const index of picks) {
      const example = loaded.examples[index]!;
      const k = kindOf(example);
      kind ??= { kind: k, name };
      if (k !== kind.kind) {
        throw new DatasetError(
          `sources: expected every source to give the same kind of record, got ${kind.kind} from ${kind.name} and ${k} from ${name}`,
          { key: 'sources' },
        );
      }
      merged.push(toPreparedRecord(example));
    }
    sources.push({ ...loaded.stats, name, used: picks.length });
  }

  const sizes = splitSizes(merged.length, config);
  const order = shuffledIndices(merged.length, seed);
  const lines = (from: number, to: number): string => {
    let out = '';
    for (let i = from; i < to; i++) out += `${JSON.stringify(merged[order[i]!])}\n`;
    return out;
  };
  const { mkdir, rm } = await import('node:fs/promises');
  const { join } = await import('node:path');
  await mkdir(config.outDir, { recursive: true });
  const trainPath = join(config.outDir, 'train.jsonl');
  const evalPath = join(config.outDir, 'eval.jsonl');
  const files = [{ path: trainPath, data: lines(sizes.eval, merged.length) }];
  if (sizes.eval > 0) files.push({ path: evalPath, data: lines(0, sizes.eval) });
  await writeFilesAtomic(files);
  if (sizes.eval === 0) await rm(evalPath, { force: true });
  return {
    seed,
    sources,
    total: merged.length,
    train: sizes.train,
    eval: sizes.eval,
    files: sizes.eval > 0 ? { train: trainPath, eval: evalPath } : { train: trainPath },
  };
}
