import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { bundleDeviceRun } from './device-bundle.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

test('the bundled device run starts as its own program only: a bad --shapes is its one line, exit 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lora-device-bundle-'));
  dirs.push(dir);
  const outfile = join(dir, 'device-run.mjs');
  await bundleDeviceRun(outfile);
  const run = spawnSync(process.execPath, [outfile, '--out', 'unused', '--shapes', 'small,qwen9'], {
    encoding: 'utf8',
  });
  expect(run.stdout).toBe('');
  expect(run.stderr.trim()).toBe(
    'device run failed: --shapes: expected some of small, qwen2.5-0.5b, got qwen9',
  );
  expect(run.status).toBe(1);
  // inside a bundle every module's import.meta.url is the bundle's: a module that runs its own main when it is
  // process.argv[1] (the step bench's) would run it beside device-run's
  expect(await readFile(outfile, 'utf8')).not.toMatch(
    /import\.meta\.url === pathToFileURL\(process\.argv\[1\]/,
  );
}, 60_000);
