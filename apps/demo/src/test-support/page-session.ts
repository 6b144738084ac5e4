// One demo page in headless Chromium for a browser test: build with Vite (once per test run), serve it with
// COOP/COEP, open the page with its problems (page errors, HTTP errors, console errors) collected, and close it all.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '@lora/testing/chromium';
import type { Page } from 'playwright-core';
import { builtDemo } from './demo-build.js';
import { serveStatic } from './static-server.js';

export const appDir = fileURLToPath(new URL('../..', import.meta.url));
export const outputDir = join(appDir, 'test-output');

export interface PageSession {
  page: Page;
  url: string;
  problems: string[];
  /** a screenshot into test-output/, then everything closed */
  close(lastShot: string): Promise<void>;
}

export async function openDemo(options: { webgpu?: boolean } = {}): Promise<PageSession> {
  const dist = await builtDemo(appDir);
  await mkdir(outputDir, { recursive: true });
  const server = await serveStatic(dist);
  const browser = await launchChromium({ gpu: options.webgpu, viewport: { width: 1100, height: 900 } });
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.goto(server.url);
  return {
    page,
    url: server.url,
    problems,
    close: async (lastShot) => {
      await page.screenshot({ path: join(outputDir, lastShot), fullPage: true }).catch(() => undefined);
      await browser.close();
      await server.close();
    },
  };
}

/** Wait for the page to settle in `state` (or fail fast on "error", with its message). */
export async function waitForState(page: Page, state: string, timeout: number): Promise<void> {
  await page.waitForSelector(`body[data-state="${state}"], body[data-state="error"]`, { timeout });
  const error = (await page.textContent('#error')) ?? '';
  if (error !== '') throw new Error(`demo page: expected state ${state}, got the error: ${error}`);
}

/** "81.3% (39/48)" → 39 / 48 */
export async function accuracyOf(page: Page, id: string): Promise<{ correct: number; total: number }> {
  const text = (await page.textContent(`#${id}`)) ?? '';
  const match = /\((\d+)\/(\d+)\)/.exec(text);
  if (!match) throw new Error(`#${id}: expected "NN.N% (correct/total)", got ${JSON.stringify(text)}`);
  return { correct: Number(match[1]), total: Number(match[2]) };
}

/** Whether the page's navigator.gpu gives an adapter (headless Chromium with --enable-unsafe-webgpu may not). */
export async function pageHasWebgpuAdapter(page: Page): Promise<boolean> {
  return page.evaluate(async () => {
    const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    return gpu ? (await gpu.requestAdapter()) !== null : false;
  });
}
