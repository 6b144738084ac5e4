// One writer per output folder: a lock file `<dir>/.lora.lock` holding the writer's pid, host, start time and
// command. It is created with a hard link from a complete temp file, so a reader never sees half of one; a second
// writer is refused with the holder named. A lock whose pid is dead on this host is stale (a killed run): it is
// explained in the error, or taken over when asked. The lock goes on release() and, failing that, on process exit.
import { describeFsError, errnoOf, FilesError, type LockHolder, OutputLockedError } from './errors.js';
import { type NodeFs, nodeFs } from './node-fs.js';
import { tempPathFor } from './write-file.js';

/** The name of the lock file `acquireOutputLock` writes into a folder. */
export const LOCK_FILE = '.lora.lock';

/** Options of `acquireOutputLock`: the holder's command, and whether a stale lock is taken over. */
export interface AcquireLockOptions {
  /** what the holder is doing, written into the lock and shown to a refused writer, e.g. "lora train" */
  command?: string;
  /** replace a stale lock (a dead pid on this host) instead of refusing; `tookOver` then says whose it was */
  takeOverStale?: boolean;
}

/** A held output lock: the lock file, its holder, the stale lock it replaced, and `release()`. */
export interface OutputLock {
  /** the lock file */
  path: string;
  holder: LockHolder;
  /** the stale lock this one replaced, if any */
  tookOver: LockHolder | undefined;
  /** remove the lock file (only if it is still this lock's); safe to call twice */
  release(): Promise<void>;
}

/** Lock files this process holds: path → the exact text written. */
const held = new Map<string, string>();
let exitHook = false;

function installExitHook(m: NodeFs): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const [path, text] of held) {
      try {
        if (m.fsSync.readFileSync(path, 'utf8') === text) m.fsSync.unlinkSync(path);
      } catch {
        // already gone
      }
    }
  });
}

/** The holder recorded in a lock file's text, or undefined when it is not one. */
export function parseLockHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (!Number.isInteger(v.pid) || (v.pid as number) <= 0 || typeof v.host !== 'string') return undefined;
    return {
      pid: v.pid as number,
      host: v.host,
      started: typeof v.started === 'string' ? v.started : 'an unknown time',
      ...(typeof v.command === 'string' && { command: v.command }),
    };
  } catch {
    return undefined;
  }
}

type Liveness = 'this process' | 'alive' | 'dead' | 'elsewhere';

function livenessOf(holder: LockHolder, host: string, path: string): Liveness {
  if (holder.host !== host) return 'elsewhere';
  if (holder.pid === process.pid) return held.has(path) ? 'this process' : 'dead';
  try {
    process.kill(holder.pid, 0);
    return 'alive';
  } catch (error) {
    return errnoOf(error) === 'EPERM' ? 'alive' : 'dead';
  }
}

function describeHolder(h: LockHolder, state: Liveness, path: string): string {
  const who = `pid ${h.pid}${h.command ? ` (${h.command})` : ''}`;
  switch (state) {
    case 'this process':
      return `a lock held by this process, ${who}, since ${h.started}: another run in this process writes there`;
    case 'alive':
      return `a lock held by ${who} on this host since ${h.started}: wait for it to finish or stop it (kill ${h.pid})`;
    case 'dead':
      return `a stale lock of ${who}, which started ${h.started} and is no longer running on this host (a killed run): delete ${path} if no other run uses the folder`;
    default:
      return `a lock held by ${who} on host ${h.host} since ${h.started}: whether it still runs cannot be checked from here; if it does not, delete ${path}`;
  }
}

/** Create `path` holding `text`, whole or not at all; false when a lock is already there. */
async function create(m: NodeFs, path: string, text: string): Promise<boolean> {
  const temp = tempPathFor(m, path);
  try {
    await m.fs.writeFile(temp, text, { flag: 'wx' });
    try {
      await m.fs.link(temp, path);
      return true;
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') return false;
      // a file system without hard links: exclusive create (a reader may briefly see it empty)
      await m.fs.writeFile(path, text, { flag: 'wx' });
      return true;
    }
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return false;
    throw new FilesError(path, 'a writable folder to hold the lock', describeFsError(error), {
      cause: error,
    });
  } finally {
    await m.fs.rm(temp, { force: true }).catch(() => undefined);
  }
}

/**
 * Take the exclusive lock on output folder `dir` (which must exist). Throws OutputLockedError naming the holder
 * when another live writer has it, when the holder is on another host, or when the lock is stale and
 * `takeOverStale` is not set; FilesError when the folder cannot hold a lock.
 */
export async function acquireOutputLock(dir: string, options: AcquireLockOptions = {}): Promise<OutputLock> {
  const m = await nodeFs(dir);
  const path = m.path.join(dir, LOCK_FILE);
  const host = m.os.hostname();
  const holder: LockHolder = {
    pid: process.pid,
    host,
    started: new Date().toISOString(),
    ...(options.command !== undefined && { command: options.command }),
  };
  const text = `${JSON.stringify(holder)}\n`;
  let tookOver: LockHolder | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await create(m, path, text)) {
      held.set(path, text);
      installExitHook(m);
      const release = async () => {
        if (held.get(path) !== text) return;
        held.delete(path);
        const now = await m.fs.readFile(path, 'utf8').catch(() => undefined);
        if (now === text) await m.fs.rm(path, { force: true });
      };
      return { path, holder, tookOver, release };
    }
    const existing = await m.fs.readFile(path, 'utf8').catch(() => undefined);
    if (existing === undefined) continue; // released in between
    const other = parseLockHolder(existing);
    if (!other) {
      const shown = JSON.stringify(existing.slice(0, 40));
      throw new OutputLockedError(
        path,
        `a lock file that does not say who holds it (${shown}): delete it if no run uses the folder`,
        undefined,
        false,
      );
    }
    const state = livenessOf(other, host, path);
    if (state === 'dead' && options.takeOverStale) {
      // remove it only if it is still the stale lock just read (another writer may have taken it over already)
      if ((await m.fs.readFile(path, 'utf8').catch(() => undefined)) === existing)
        await m.fs.rm(path, { force: true });
      tookOver = other;
      continue;
    }
    throw new OutputLockedError(path, describeHolder(other, state, path), other, state === 'dead');
  }
  throw new OutputLockedError(
    path,
    'a lock that changed hands five times while it was taken',
    undefined,
    false,
  );
}
