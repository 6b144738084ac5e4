// The demo page built once per test run, by whichever browser test needs it first: the run's global setup names a
// fresh folder (nothing is built for runs without browser tests); the first test process to take its lock builds
// into it and marks it done or failed, and every other process waits for that mark. Before this, each browser test
// file built its own copy into the same dist/ — seconds of CPU each, and concurrent writes to one folder.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'vite';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** the folder the demo is built into for this run (demo-build-setup.ts) */
    demoBuildDir: string;
  }
}

/** How long a test process waits for another one's build. */
const WAIT_MS = 300_000;

const readMark = (file: string) => readFile(file, 'utf8').catch(() => undefined);

/** The built demo's folder (index.html and its assets), building it if no other test process has. */
export async function builtDemo(appDir: string): Promise<string> {
  const root = inject('demoBuildDir');
  const outDir = join(root, 'dist');
  const [done, failed] = [join(root, 'done'), join(root, 'failed')];
  await mkdir(root, { recursive: true });
  const mine = await mkdir(join(root, 'lock')).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return false;
      throw error;
    },
  );
  if (mine) {
    try {
      await build({
        root: appDir,
        configFile: join(appDir, 'vite.config.ts'),
        logLevel: 'error',
        build: { outDir, emptyOutDir: true },
      });
    } catch (error) {
      await writeFile(failed, error instanceof Error ? error.message : String(error));
      throw error;
    }
    await writeFile(done, outDir);
    return outDir;
  }
  for (const started = Date.now(); Date.now() - started < WAIT_MS; await sleep(200)) {
    if ((await readMark(done)) !== undefined) return outDir;
    const failure = await readMark(failed);
    if (failure !== undefined) throw new Error(`the demo build (by another test process) failed: ${failure}`);
  }
  throw new Error(
    `the demo build: expected another test process to finish it within ${WAIT_MS / 1000} s in ${root}, got no mark`,
  );
}
