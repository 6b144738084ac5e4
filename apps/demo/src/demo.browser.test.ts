// The demo as a person uses it: build the page with Vite, serve dist/ with COOP/COEP, open it in headless Chromium,
// press Train, wait for the run, read the held-out accuracy before and after, ask the chat box, take a screenshot.
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
  ? 'the demo page in headless Chromium'
  : `the demo page in headless Chromium (skipped: ${CHROMIUM} is absent; apt-get install chromium, or set LORA_CHROMIUM)`;

/** "81.3% (39/48)" → 39 / 48 */
async function accuracyOf(page: Page, id: string): Promise<{ correct: number; total: number }> {
  const text = (await page.textContent(`#${id}`)) ?? '';
  const match = /\((\d+)\/(\d+)\)/.exec(text);
  if (!match) throw new Error(`#${id}: expected "NN.N% (correct/total)", got ${JSON.stringify(text)}`);
  return { correct: Number(match[1]), total: Number(match[2]) };
}

describe.skipIf(!chromiumPresent)(title, () => {
  test('Train runs QLoRA in a worker, held-out accuracy rises, and the chat box answers', async () => {
    await build({ root: appDir, configFile: join(appDir, 'vite.config.ts'), logLevel: 'error' });
    await mkdir(outputDir, { recursive: true });
    const server = await serveStatic(join(appDir, 'dist'));
    const browser = await launchChromium();
    let page: Page | undefined;
    try {
      page = await browser.context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
      });
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      await page.goto(server.url);
      await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60_000 });
      expect(await page.textContent('#error')).toBe('');
      expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
      expect(await page.textContent('#backend-report')).toMatch(
        /^backend: wasm \(WebAssembly SIMD.*page crossOriginIsolated/,
      );
      expect(await page.locator('#nf4-table tr').count()).toBe(4);
      expect(await page.locator('#chatml .train').count()).toBeGreaterThan(0);

      await page.click('#train');
      await page.waitForSelector('body[data-state="trained"], body[data-state="error"]', {
        timeout: 240_000,
      });
      await page.screenshot({ path: join(outputDir, 'demo-trained.png'), fullPage: true });
      expect(await page.textContent('#error')).toBe('');
      const before = await accuracyOf(page, 'before-accuracy');
      const after = await accuracyOf(page, 'after-accuracy');
      expect(after.total).toBe(before.total);
      expect(
        after.correct,
        `held-out accuracy before ${before.correct}/${before.total}, after ${after.correct}/${after.total}`,
      ).toBeGreaterThan(before.correct + before.total / 4);
      const perplexity = (id: string) => page!.textContent(`#${id}`).then(Number);
      expect(await perplexity('after-perplexity')).toBeLessThan(await perplexity('before-perplexity'));
      expect(await page.locator('#chart svg polyline, #chart svg path').count()).toBeGreaterThan(0);

      // the chat box starts with the instruction and the first held-out sentence: greedy, it answers as the eval did
      await page.click('#chat-send');
      const reply = page.locator('#chat-log .assistant[data-done]');
      await reply.waitFor({ timeout: 60_000 });
      const replyText = ((await reply.textContent()) ?? '').trim();
      const evalAnswer = (
        (await page.locator('#predictions tr').nth(1).locator('td').nth(3).textContent()) ?? ''
      ).trim();
      expect(replyText.length).toBeGreaterThan(0);
      expect(replyText.startsWith(evalAnswer), `chat "${replyText}" vs eval "${evalAnswer}"`).toBe(true);
      await page.click('#predictions-details summary');
      expect(await page.locator('#predictions tr').count()).toBe(1 + after.total);
      await page.screenshot({ path: join(outputDir, 'demo.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      if (page)
        await page
          .screenshot({ path: join(outputDir, 'demo-last.png'), fullPage: true })
          .catch(() => undefined);
      await browser.close();
      await server.close();
    }
  }, 420_000);
});
