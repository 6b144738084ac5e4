#!/usr/bin/env node
// The `lora` binary: runs the built CLI when dist/ exists, else the TypeScript source through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (existsSync(built)) {
  await import(built);
} else {
  const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx');
  const result = spawnSync(
    process.execPath,
    ['--conditions=@lora/source', '--import', tsx, source, ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, INIT_CWD: process.env.INIT_CWD ?? process.cwd() } },
  );
  process.exitCode = result.status ?? (result.signal === 'SIGINT' ? 130 : 1);
}
