// Debian's Chromium for the browser tests, driven by playwright-core: headless, sandbox off (containers), nothing
// that phones home, a fresh profile per launch, and waits sized for CI's parallel load. Without `gpu` it renders
// nothing on a GPU; with it WebGL2 and WebGPU run on SwiftShader where there is no GPU. A subpath of its own
// (`@lora/testing/chromium`), so a browser page that bundles `@lora/testing` does not pull playwright in.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env.LORA_CHROMIUM ?? '/usr/bin/chromium';

/** Whether the Chromium binary is here (Debian: apt-get install chromium). */
export const chromiumPresent = existsSync(CHROMIUM);

/** Why a browser test is skipped where Chromium is absent, for its title. */
export const CHROMIUM_ABSENT = `${CHROMIUM} is absent; apt-get install chromium, or set LORA_CHROMIUM`;

const QUIET = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Chromium's flags: no GPU at all, or WebGL2 through ANGLE and WebGPU, on SwiftShader where there is no GPU. */
export function chromiumFlags(options: { gpu?: boolean } = {}): string[] {
  if (!options.gpu) return [...QUIET, '--disable-gpu'];
  return [
    ...QUIET,
    '--use-gl=angle',
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
    '--enable-unsafe-webgpu',
  ];
}

/**
 * The longest a page wait or navigation may take when a test names no timeout of its own: under CI's parallel run
 * the page shares two cores with SwiftShader's WebGPU tests (the demo once needed over 30 s to re-tokenize).
 */
const WAIT_MS = 120_000;

export interface LaunchedChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launch with a fresh --user-data-dir (playwright passes it for a persistent context), removed on close. */
export async function launchChromium(
  options: { gpu?: boolean; viewport?: { width: number; height: number } } = {},
): Promise<LaunchedChromium> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'lora-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumFlags(options),
    viewport: options.viewport ?? { width: 1280, height: 800 },
  });
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
