// Shared by the trainer tests (not exported): temp folders removed after each file, the storages the checkpoint and
// resume tests run on, metrics.jsonl reading, and (re-exported) the seeded toy data.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { memoryStorage } from './memory-storage.js';
import { nodeStorage } from './node-storage.js';
import { FakeOpfsDirectory } from './opfs-fake.test-support.js';
import { opfsStorage } from './opfs-storage.js';
import { METRICS_FILE } from './run-log.js';
import { readText, type RunStorage } from './run-storage.js';

const made: string[] = [];
// removed after each test file
afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `sft-${label}-`));
  made.push(dir);
  return dir;
}

/** A fresh storage of each kind, labelled for its folder: a test over these runs the same on every storage. */
export const STORAGES: readonly [string, (label: string) => Promise<RunStorage>][] = [
  ['node', async (label) => nodeStorage(await tempDir(label))],
  ['memory', async () => memoryStorage()],
  ['opfs', async (label) => opfsStorage(label, new FakeOpfsDirectory())],
];

/** A storage in a fresh temp folder. */
export async function tempStorage(label: string): Promise<RunStorage> {
  return nodeStorage(await tempDir(label));
}

export async function readMetrics(storage: RunStorage): Promise<Record<string, number>[]> {
  const text = (await readText(storage, METRICS_FILE)) ?? '';
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, number>);
}

export { checkpointRunConfig, checkpointRunData, toyExamples } from './toy-data.test-support.js';
