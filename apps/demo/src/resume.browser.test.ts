// A reload during training: the run's checkpoints are in the origin private file system, so the reloaded page offers
// to continue from the last one, and the Trainer resumes there (same model, data and settings) to the last step.
import { join } from 'node:path';
import { CHROMIUM_ABSENT, chromiumPresent } from '@lora/testing/chromium';
import { describe, expect, test } from 'vitest';
import { openDemo, outputDir, waitForState } from './test-support/page-session.js';

const title = chromiumPresent
  ? 'resuming a run after a reload in the demo page'
  : `resuming a run after a reload in the demo page (skipped: ${CHROMIUM_ABSENT})`;

const STEPS = 75; // checkpoints every 25 steps: a reload after step 30 leaves one or two

describe.skipIf(!chromiumPresent)(title, () => {
  test('a reload mid-run offers Resume, which continues from the last checkpoint to the end', async () => {
    const demo = await openDemo();
    const { page } = demo;
    try {
      await waitForState(page, 'ready', 120_000);
      await page.fill('#steps', String(STEPS));
      await page.dispatchEvent('#steps', 'change');
      await page.waitForFunction(
        () => document.querySelector('#data-info')?.textContent?.includes(': 600 training examples'), // steps × batch 8
      );
      await page.click('#train');
      await page.waitForFunction(
        () => Number(document.querySelector('#stat-step')?.textContent?.split('/')[0]) >= 30,
        undefined,
        { timeout: 300_000, polling: 100 },
      );
      await page.reload();
      await page.waitForSelector('#resume-offer:not([hidden])', { timeout: 60_000 });
      const offer = (await page.textContent('#resume-text')) ?? '';
      const match =
        /^A run in this browser stopped at step (\d+) of 75 \(stories260K on story questions\)\.$/.exec(
          offer,
        );
      expect(match, offer).not.toBeNull();
      const from = Number(match![1]);
      expect(from % 25).toBe(0);
      expect(from).toBeGreaterThanOrEqual(25);

      await waitForState(page, 'ready', 120_000);
      await page.click('#resume');
      await page.waitForFunction(() => document.querySelector('#stat-step')?.textContent?.includes('/ 75'));
      await waitForState(page, 'trained', 300_000);
      await page.screenshot({ path: join(outputDir, 'demo-resumed.png'), fullPage: true });
      expect(await page.textContent('#phase')).toMatch(/^trained 75 steps in/);
      expect(await page.isHidden('#resume-offer')).toBe(true);
      const log = await page.evaluate(async () => {
        const root = await navigator.storage.getDirectory();
        const run = await root.getDirectoryHandle('lora-demo');
        return (await (await run.getFileHandle('training.log')).getFile()).text();
      });
      expect(log).toContain(`resumed from opfs:lora-demo/checkpoint-${from} at step ${from}`);
      const points = await page.evaluate(() => document.querySelector('#chart svg')?.outerHTML.length ?? 0);
      expect(points).toBeGreaterThan(0);
      expect(demo.problems).toEqual([]);
    } finally {
      await demo.close('demo-resume-last.png');
    }
  }, 600_000);
});
