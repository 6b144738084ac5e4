// Debian's Chromium driven by playwright-core: headless, sandbox off (containers), no GPU, nothing that phones home,
// a fresh profile per launch.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env.LORA_CHROMIUM ?? '/usr/bin/chromium';

/** Whether the Chromium binary is here (Debian: apt-get install chromium). */
export const chromiumPresent = existsSync(CHROMIUM);

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** the longest a page wait or navigation may take when the test names no timeout of its own */
const WAIT_MS = 120_000;

export interface LaunchedChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** With WebGPU: the software adapter (SwiftShader) where there is no GPU. */
const WEBGPU_FLAGS = [
  ...FLAGS.filter((f) => f !== '--disable-gpu'),
  '--enable-unsafe-webgpu',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/**
 * Launch with a fresh --user-data-dir (playwright passes it for a persistent context), removed on close; `webgpu`
 * turns WebGPU on (navigator.gpu in the page and its workers).
 */
export async function launchChromium(options: { webgpu?: boolean } = {}): Promise<LaunchedChromium> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'lora-demo-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: options.webgpu ? WEBGPU_FLAGS : FLAGS,
    viewport: { width: 1100, height: 900 },
  });
  // Under CI's full parallel run the page shares two cores with SwiftShader's WebGPU tests: a wait or navigation
  // without its own timeout gets two minutes, not Playwright's 30 s (the demo once needed over 30 s to re-tokenize)
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  return {
    context,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
