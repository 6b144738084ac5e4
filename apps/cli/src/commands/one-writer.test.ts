// One writer per output folder, and nothing left running or looking finished when a run is stopped: a second
// training into a folder being written is refused naming the holder's pid; bin/lora.js passes SIGTERM and SIGINT
// on to the training, which saves a checkpoint and stops, and waits for it; a run killed early leaves no adapter at the top level, and --resume takes
// over its stale lock and clears its temp files.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLockHolder } from '@lora/files';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../test-support/capture-io.js';
import { type Spawned, spawnBin, spawnCli, waitForPath } from '../test-support/spawn-cli.js';
import { tempDir } from '../test-support/temp-dir.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

const root = tempDir('lora-cli-one-writer-');
const LOCK = '.lora.lock';

/** A short training run's flags; `flags` replaces, adds (`true`: a switch) or drops (`undefined`) flags. */
const train = (output: string, flags: Record<string, string | true | undefined> = {}) => {
  const all: Record<string, string | true | undefined> = {
    model: 'model',
    data: 'data/train.jsonl',
    output,
    'max-steps': '6',
    'save-steps': '2',
    'batch-size': '4',
    'eval-prompts': '0',
    quant: 'none',
    ...flags,
  };
  return [
    'train',
    ...Object.entries(all).flatMap(([k, v]) =>
      v === undefined ? [] : v === true ? [`--${k}`] : [`--${k}`, v],
    ),
  ];
};
/** A run long enough to be caught mid-training (each test stops it). */
const long = (output: string) => train(output, { 'max-steps': '100000', 'save-steps': '3' });

const pids: number[] = [];
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
afterAll(() => {
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

/** The pid of the process holding `dir`'s lock, once it has one. */
async function lockHolder(dir: string, s: Spawned): Promise<number> {
  await waitForPath(join(dir, LOCK), s);
  const pid = parseLockHolder(readFileSync(join(dir, LOCK), 'utf8'))!.pid;
  pids.push(pid);
  return pid;
}

async function gone(pid: number, timeoutMs = 15_000): Promise<boolean> {
  const started = Date.now();
  while (alive(pid)) {
    if (Date.now() - started > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

beforeAll(async () => {
  await writeTinyModel(join(root, 'model'), 'qwen2');
  await writeTopicData(join(root, 'data'), { train: 24, eval: 8 });
});

describe('one writer per output folder', () => {
  test('a second training into a folder being trained into is refused, naming the first one’s pid', async () => {
    const first = spawnCli(long('shared'), root);
    const pid = await lockHolder(join(root, 'shared'), first);
    expect(pid).toBe(first.child.pid);
    const second = await runCli(train('shared'), root);
    expect(second.code).toBe(1);
    expect(second.err).toMatch(
      new RegExp(
        `^lora: --output ${join(root, 'shared')}: expected no other run writing into it, got a lock held by pid ${pid} \\(lora train\\) on this host since \\S+: wait for it to finish or stop it \\(kill ${pid}\\) \\(${join(root, 'shared', LOCK)}\\)\\n$`,
      ),
    );
    expect(first.child.exitCode, 'the first run goes on').toBe(null);
    first.child.kill('SIGKILL');
    await first.exit;
  });
});

describe('bin/lora.js', () => {
  test('SIGTERM to the wrapper stops the training it runs after a checkpoint: no process is left, exit 143', async () => {
    const wrapped = spawnBin(long('terminated'), root);
    const trainer = await lockHolder(join(root, 'terminated'), wrapped);
    expect(trainer, 'the training runs in a child of the wrapper').not.toBe(wrapped.child.pid);
    await waitForPath(join(root, 'terminated', 'checkpoint-3'), wrapped);
    wrapped.child.kill('SIGTERM');
    const { code } = await wrapped.exit;
    expect(await gone(trainer), `training process ${trainer} still running`).toBe(true);
    expect(code, `the status of a process stopped by SIGTERM\n${wrapped.output()}`).toBe(143);
    expect(wrapped.output()).toMatch(/SIGTERM: saving a checkpoint at the end of this step/);
    expect(wrapped.output()).toMatch(
      /interrupted: checkpoint saved in .*checkpoint-\d+; continue with --resume/,
    );
  });

  test('SIGINT to the wrapper alone reaches the training: it saves a checkpoint and both exit 130', async () => {
    const wrapped = spawnBin(long('interrupted'), root);
    const trainer = await lockHolder(join(root, 'interrupted'), wrapped);
    await waitForPath(join(root, 'interrupted', 'checkpoint-3'), wrapped);
    wrapped.child.kill('SIGINT');
    const { code } = await wrapped.exit;
    expect(code, wrapped.output()).toBe(130);
    expect(wrapped.output()).toMatch(
      /interrupted: checkpoint saved in .*checkpoint-\d+; continue with --resume/,
    );
    expect(await gone(trainer)).toBe(true);
  });
});

describe('a run killed early', () => {
  test('leaves no adapter at the top level, not even an earlier run’s; --resume takes over its lock and temps', async () => {
    const out = join(root, 'killed');
    const done = await runCli(train('killed'), root);
    expect(done.code, done.err).toBe(0);
    expect(existsSync(join(out, 'adapter_model.safetensors'))).toBe(true);

    // 20 epochs of 6 steps: long enough to be caught after its first checkpoint
    const settings = { 'max-steps': undefined, epochs: '20', 'save-steps': '3' };
    const rerun = spawnCli(train('killed', { ...settings, overwrite: true }), root);
    await waitForPath(join(out, 'checkpoint-3'), rerun);
    rerun.child.kill('SIGKILL');
    await rerun.exit;
    for (const name of ['adapter_model.safetensors', 'adapter_config.json', 'run_config.json', 'report.md'])
      expect(existsSync(join(out, name)), `${name} of the earlier run`).toBe(false);
    expect(existsSync(join(out, LOCK)), 'SIGKILL leaves the lock').toBe(true);

    // what a kill during the final adapter write leaves
    const temp = '.adapter_model.safetensors.99999-0a1b2c3d4e5f.tmp';
    writeFileSync(join(out, temp), 'partial');
    const resumed = await runCli(train('killed', { ...settings, resume: true }), root);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain(`note: took over the lock of pid ${rerun.child.pid}`);
    expect(existsSync(join(out, temp))).toBe(false);
    expect(existsSync(join(out, 'adapter_model.safetensors'))).toBe(true);
    expect(existsSync(join(out, LOCK)), 'released at the end').toBe(false);
  });
});
