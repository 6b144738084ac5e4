// The demo on the webgpu backend in headless Chromium (WebGPU on SwiftShader): QLoRA of stories260K with the 4-bit
// base, the adapter and the optimizer in GPU memory, trained from the page's worker. SwiftShader is slow (~20 tokens/s
// here), so Stop cuts each phase short: the evaluation before after its first batch, the training after 4 steps, the
// evaluation after after its first batch; the page must then have trained (finite, falling loss), evaluated what it
// could, and answer in the chat.
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ABSENT, chromiumPresent } from '@lora/testing/chromium';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { openDemo, outputDir, pageHasWebgpuAdapter, waitForState } from './test-support/page-session.js';

// SwiftShader needs about four minutes for this on 2 cores: CI (CI=true, or LORA_BROWSER_WEBGPU=1) runs it, a local
// `pnpm test` says it skipped; the same backend trains in Node in apps/cli's webgpu-train test on every run
const RUN = process.env.CI === 'true' || process.env.LORA_BROWSER_WEBGPU === '1';
const title = !chromiumPresent
  ? `the demo on WebGPU in headless Chromium (skipped: ${CHROMIUM_ABSENT})`
  : RUN
    ? 'the demo on WebGPU in headless Chromium'
    : 'the demo on WebGPU in headless Chromium (skipped locally: ~4 minutes on SwiftShader; runs with CI=true or LORA_BROWSER_WEBGPU=1)';

const stepOf = async (page: Page) => Number(((await page.textContent('#stat-step')) ?? '').split('/')[0]);

describe.skipIf(!chromiumPresent || !RUN)(title, () => {
  test('Train on webgpu runs QLoRA in the worker with the model on the GPU, and the loss falls', async (ctx) => {
    const demo = await openDemo({ webgpu: true });
    const { page } = demo;
    try {
      await waitForState(page, 'ready', 120_000);
      if (!(await pageHasWebgpuAdapter(page)))
        ctx.skip(`${CHROMIUM} offers no WebGPU adapter here (navigator.gpu, --enable-unsafe-webgpu)`);
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
      const countOf = (who: string) =>
        page.waitForFunction(
          (text) => document.querySelector('#eval-count')?.textContent?.startsWith(text),
          `${who}: answered`,
          { timeout: 300_000, polling: 500 },
        );
      await countOf('base model');
      await page.click('#stop'); // the evaluation before stops after its current batch; training starts
      await page.waitForFunction(
        () => Number(document.querySelector('#stat-step')?.textContent?.split('/')[0]) >= 4,
        undefined,
        { timeout: 400_000, polling: 1000 },
      );
      await page.click('#stop');
      await countOf('fine-tuned model');
      await page.click('#stop'); // and so does the evaluation after
      await waitForState(page, 'trained', 300_000);
      await page.screenshot({ path: join(outputDir, 'demo-webgpu.png'), fullPage: true });
      expect(await stepOf(page)).toBeGreaterThanOrEqual(4);
      expect(await page.textContent('#before-accuracy')).toMatch(/ — stopped after \d+ of 64$/);
      expect(await page.textContent('#after-accuracy')).toMatch(/ — stopped after \d+ of 64$/);
      const loss = (id: string) => page.textContent(`#${id}`).then(Number);
      const [before, after] = [await loss('before-loss'), await loss('after-loss')];
      expect(Number.isFinite(after), `eval loss after ${after}`).toBe(true);
      expect(after, `eval loss before ${before}, after ${after}`).toBeLessThan(before);

      await page.click('#chat-send');
      const reply = page.locator('#chat-log .assistant[data-done]');
      await reply.waitFor({ timeout: 120_000 });
      expect(demo.problems).toEqual([]);
    } finally {
      await demo.close('demo-webgpu-last.png');
    }
  }, 900_000);
});
