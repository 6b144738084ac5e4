#!/usr/bin/env node
// The `lora` binary: runs the built CLI when dist/ exists, else the TypeScript source through tsx in a child
// process. The child gets the SIGINT, SIGTERM and SIGHUP sent to this wrapper (a supervisor that stops `lora` stops
// the training too), and the wrapper waits for it and exits with its status (128 + the signal's number if killed).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const built = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (existsSync(built)) {
  await import(built);
} else {
  const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx');
  const child = spawn(
    process.execPath,
    ['--conditions=@lora/source', '--import', tsx, source, ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, INIT_CWD: process.env.INIT_CWD ?? process.cwd() } },
  );
  // Ctrl-C in a terminal reaches both processes; the CLI counts two SIGINTs that arrive together as one press
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`lora: cannot start ${process.execPath}: ${error.message}\n`);
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    for (const s of FORWARDED) process.off(s, forward);
    process.exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1);
  });
}
