// The CLI as a child process (node + tsx on the TypeScript source), for what only a real process shows:
// being killed mid-run, Ctrl-C, the bin/lora.js wrapper.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/lora.js', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface Spawned {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnCli(argv: string[], cwd: string): Spawned {
  return spawned(['--conditions=@lora/source', '--import', tsx, main, ...argv], cwd);
}

/** `bin/lora.js` (the installed command: a wrapper that runs the CLI in a child process of its own). */
export function spawnBin(argv: string[], cwd: string): Spawned {
  return spawned([bin, ...argv], cwd);
}

function spawned(nodeArgs: string[], cwd: string): Spawned {
  const child = spawn(process.execPath, nodeArgs, {
    cwd,
    env: { ...process.env, INIT_CWD: cwd },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => void (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (output += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exit };
}

/** Resolves when `path` exists (polling every 5 ms), or rejects after `timeoutMs` or when the child exits first. */
export async function waitForPath(path: string, spawned: Spawned, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  let exited = false;
  void spawned.exit.then(() => {
    exited = true;
  });
  while (!existsSync(path)) {
    if (exited) throw new Error(`the CLI exited before ${path} appeared:\n${spawned.output()}`);
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out waiting for ${path}:\n${spawned.output()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
