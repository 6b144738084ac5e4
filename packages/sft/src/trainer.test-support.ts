// Shared by the trainer tests (not exported): temp folders removed after each file, metrics.jsonl reading, and
// (re-exported) the seeded toy data.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
// removed after each test file
afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `sft-${label}-`));
  made.push(dir);
  return dir;
}

export async function readMetrics(dir: string): Promise<Record<string, number>[]> {
  const text = await readFile(join(dir, 'metrics.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, number>);
}

export { checkpointRunConfig, checkpointRunData, toyExamples } from './toy-data.test-support.js';
