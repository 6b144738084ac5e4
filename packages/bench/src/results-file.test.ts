import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeResultsFile } from './results-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lora-bench-results-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeResultsFile', () => {
  test('creates the folder, writes indented JSON with a final newline, leaves no temp file', async () => {
    const path = join(dir, 'bench-results', 'x.json');
    await writeResultsFile(path, { a: 1, b: [2] });
    expect(await readFile(path, 'utf8')).toBe('{\n  "a": 1,\n  "b": [\n    2\n  ]\n}\n');
    await writeResultsFile(path, { a: 3 });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ a: 3 });
    expect(await readdir(join(dir, 'bench-results'))).toEqual(['x.json']);
  });
});
