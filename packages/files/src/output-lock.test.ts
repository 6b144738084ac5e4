import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { OutputLockedError } from './errors.js';
import { acquireOutputLock, LOCK_FILE, parseLockHolder } from './output-lock.js';
import { testDir } from './test-dir.test-support.js';

const root = testDir('lora-files-lock-');
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const source = pathToFileURL(fileURLToPath(new URL('./output-lock.ts', import.meta.url))).href;
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Another process that takes the lock on `dir`, says "locked", then holds it ('hold') or exits normally ('exit'). */
async function lockInChild(dir: string, then: 'hold' | 'exit'): Promise<ChildProcess> {
  const script = `const { acquireOutputLock } = await import(${JSON.stringify(source)});
await acquireOutputLock(${JSON.stringify(dir)}, { command: 'lora train' });
console.log('locked');
${then === 'hold' ? 'setInterval(() => {}, 1000);' : ''}`;
  const child = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => then === 'hold' && d.toString().includes('locked') && resolve());
    child.on('exit', (code) =>
      then === 'exit' && code === 0 ? resolve() : reject(new Error(`exit ${code}`)),
    );
  });
  return child;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.on('exit', () => resolve()));

function freshDir(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  return dir;
}

describe('acquireOutputLock', () => {
  test('writes pid, host and command; a second taker in this process is refused; release frees it', async () => {
    const dir = freshDir('own');
    const lock = await acquireOutputLock(dir, { command: 'lora merge' });
    const holder = parseLockHolder(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), command: 'lora merge' });
    const error = await acquireOutputLock(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputLockedError);
    expect((error as Error).message).toContain(
      `a lock held by this process, pid ${process.pid} (lora merge), since `,
    );
    await lock.release();
    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await (await acquireOutputLock(dir)).release();
  });

  test('a live holder in another process is refused with its pid, on one line', async () => {
    const dir = freshDir('live');
    const child = await lockInChild(dir, 'hold');
    const error = await acquireOutputLock(dir, { takeOverStale: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputLockedError);
    expect((error as OutputLockedError).stale).toBe(false);
    expect((error as OutputLockedError).holder?.pid).toBe(child.pid);
    const message = (error as Error).message;
    expect(message).toMatch(
      new RegExp(
        `^${join(dir, LOCK_FILE)}: expected no other run writing into this folder, got a lock held by pid ${child.pid} \\(lora train\\) on this host since \\S+: wait for it to finish or stop it \\(kill ${child.pid}\\)$`,
      ),
    );
    child.kill('SIGKILL');
    await exited(child);
  });

  test('a lock left by a killed process is stale: explained, or taken over when asked', async () => {
    const dir = freshDir('stale');
    const child = await lockInChild(dir, 'hold');
    child.kill('SIGKILL');
    await exited(child);
    expect(existsSync(join(dir, LOCK_FILE)), 'SIGKILL runs no exit handler').toBe(true);
    const error = await acquireOutputLock(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputLockedError);
    expect((error as OutputLockedError).stale).toBe(true);
    expect((error as Error).message).toContain(
      `got a stale lock of pid ${child.pid} (lora train), which started`,
    );
    expect((error as Error).message).toContain(
      `is no longer running on this host (a killed run): delete ${join(dir, LOCK_FILE)} if no other run uses the folder`,
    );
    const lock = await acquireOutputLock(dir, { takeOverStale: true });
    expect(lock.tookOver?.pid).toBe(child.pid);
    expect(parseLockHolder(readFileSync(lock.path, 'utf8'))?.pid).toBe(process.pid);
    await lock.release();
  });

  test('a process that exits normally leaves no lock behind', async () => {
    const dir = freshDir('exit');
    await lockInChild(dir, 'exit');
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  test('a holder on another host cannot be checked: refused even with takeOverStale, saying so', async () => {
    const dir = freshDir('remote');
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: 12345, host: 'elsewhere.example', started: '2024-01-01T00:00:00.000Z' }),
    );
    await expect(acquireOutputLock(dir, { takeOverStale: true })).rejects.toThrow(
      'got a lock held by pid 12345 on host elsewhere.example since 2024-01-01T00:00:00.000Z: whether it still runs cannot be checked from here',
    );
  });

  test('an unreadable lock file is refused, not overwritten', async () => {
    const dir = freshDir('garbled');
    writeFileSync(join(dir, LOCK_FILE), 'garbage');
    await expect(acquireOutputLock(dir, { takeOverStale: true })).rejects.toThrow(
      'got a lock file that does not say who holds it ("garbage")',
    );
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe('garbage');
  });

  test('a folder that does not exist cannot hold a lock', async () => {
    await expect(acquireOutputLock(join(root, 'missing'))).rejects.toThrow(
      `${join(root, 'missing', LOCK_FILE)}: expected a writable folder to hold the lock, got nothing there (ENOENT)`,
    );
  });
});
