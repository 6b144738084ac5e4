// The demo on the webgpu backend in headless Chromium (WebGPU on SwiftShader): QLoRA with the 4-bit base, the adapter
// and the optimizer in GPU memory, trained from the page's worker. SwiftShader is slow, so the run is stopped after
// a few steps; the page must then have trained (finite, falling loss), evaluated after, and answer in the chat.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { describe, expect, test } from 'vitest';
import { CHROMIUM, chromiumPresent, launchChromium } from './test-support/chromium.js';
import { serveStatic } from './test-support/static-server.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const outputDir = join(appDir, 'test-output');

const title = chromiumPresent
  ? 'the demo on WebGPU in headless Chromium'
  : `the demo on WebGPU in headless Chromium (skipped: ${CHROMIUM} is absent; apt-get install chromium, or set LORA_CHROMIUM)`;

const stepOf = async (page: Page) => Number(((await page.textContent('#stat-step')) ?? '').split('/')[0]);

describe.skipIf(!chromiumPresent)(title, () => {
  test('Train on webgpu runs QLoRA in the worker with the model on the GPU, and the loss falls', async (ctx) => {
    await build({ root: appDir, configFile: join(appDir, 'vite.config.ts'), logLevel: 'error' });
    await mkdir(outputDir, { recursive: true });
    const server = await serveStatic(join(appDir, 'dist'));
    const browser = await launchChromium({ webgpu: true });
    let page: Page | undefined;
    try {
      page = await browser.context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      await page.goto(server.url);
      await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60_000 });
      const adapter = await page.evaluate(async () => {
        const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
        return gpu ? (await gpu.requestAdapter()) !== null : false;
      });
      if (!adapter) ctx.skip(`${CHROMIUM} offers no WebGPU adapter here (navigator.gpu, --enable-unsafe-webgpu)`);
      await page.selectOption('#backend', 'webgpu');
      await page.click('#train');
      await page.waitForFunction(
        () => document.querySelector('#backend-report')?.textContent?.startsWith('backend: webgpu'),
        undefined,
        { timeout: 60_000 },
      );
      const report = (await page.textContent('#backend-report')) ?? '';
      expect(report).toMatch(/^backend: webgpu \(.*\) · page crossOriginIsolated/);
      expect(report).not.toContain('reference serves');
      await page.waitForFunction(
        () => Number(document.querySelector('#stat-step')?.textContent?.split('/')[0]) >= 12,
        undefined,
        { timeout: 300_000, polling: 1000 },
      );
      await page.click('#stop');
      await page.waitForSelector('body[data-state="trained"], body[data-state="error"]', { timeout: 300_000 });
      await page.screenshot({ path: join(outputDir, 'demo-webgpu.png'), fullPage: true });
      expect(await page.textContent('#error')).toBe('');
      expect(await stepOf(page)).toBeGreaterThanOrEqual(12);
      const loss = (id: string) => page!.textContent(`#${id}`).then(Number);
      const [before, after] = [await loss('before-loss'), await loss('after-loss')];
      expect(Number.isFinite(after), `eval loss after ${after}`).toBe(true);
      expect(after, `eval loss before ${before}, after ${after}`).toBeLessThan(before);

      await page.click('#chat-send');
      const reply = page.locator('#chat-log .assistant[data-done]');
      await reply.waitFor({ timeout: 120_000 });
      expect(((await reply.textContent()) ?? '').trim().length).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    } finally {
      if (page)
        await page.screenshot({ path: join(outputDir, 'demo-webgpu-last.png'), fullPage: true }).catch(() => {});
      await browser.close();
      await server.close();
    }
  }, 600_000);
});
