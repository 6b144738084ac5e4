// The demo as a person uses it, on the real stories260K: open the page, press Train, wait for the run, read the
// held-out exact match before and after, ask the chat box with Enter, download the adapter and the report and check
// them in Node (PEFT's tensor names, and the same eval loss as the page), look at the page at 390 and 1280 px.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ABSENT, chromiumPresent } from '@lora/testing/chromium';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import { checkAdapter } from './test-support/adapter-check.js';
import { accuracyOf, openDemo, outputDir, waitForState } from './test-support/page-session.js';

const title = chromiumPresent
  ? 'the demo page in headless Chromium'
  : `the demo page in headless Chromium (skipped: ${CHROMIUM_ABSENT})`;

const downloads = await mkdtemp(join(tmpdir(), 'lora-demo-downloads-'));
afterAll(() => rm(downloads, { recursive: true, force: true }));

async function download(page: Page, id: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
  const path = join(downloads, file.suggestedFilename());
  await file.saveAs(path);
  return path;
}

describe.skipIf(!chromiumPresent)(title, () => {
  test('Train fine-tunes stories260K in a worker: exact match rises, chat answers, the adapter downloads', async () => {
    const demo = await openDemo();
    const { page } = demo;
    try {
      await waitForState(page, 'ready', 120_000);
      expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
      expect(await page.textContent('#backend-report')).toMatch(
        /^backend: wasm \(WebAssembly SIMD.*page crossOriginIsolated/,
      );
      expect(await page.textContent('#model-info')).toMatch(
        /^stories260K: llama, hidden 64, 5 layers, .* shipped with this page/,
      );
      expect(await page.locator('#nf4-table tr').count()).toBe(4);
      expect(await page.locator('#data-preview .train').count()).toBeGreaterThan(0);
      expect(await page.textContent('#memory')).toMatch(/^memory plan: .* at peak/);
      const steps = Number(await page.inputValue('#steps'));

      await page.click('#train');
      expect(await page.isDisabled('#backend')).toBe(true); // locked while the run goes
      await waitForState(page, 'trained', 600_000);
      await page.screenshot({ path: join(outputDir, 'demo-trained.png'), fullPage: true });
      expect(await page.isDisabled('#backend')).toBe(false);
      const before = await accuracyOf(page, 'before-accuracy');
      const after = await accuracyOf(page, 'after-accuracy');
      expect(before).toEqual({ correct: 0, total: 64 });
      expect(after.correct, `held-out exact match after: ${after.correct}/64`).toBeGreaterThanOrEqual(58);
      expect(await page.textContent('#eval-count')).toBe(
        'fine-tuned model: answered 64 of 64 held-out questions',
      );
      expect(await page.locator('#examples tr').count()).toBe(7); // header + 6 answers side by side
      const phase = (await page.textContent('#phase')) ?? '';
      const backend = (await page.textContent('#backend-report')) ?? '';
      console.log(`demo page: ${phase}; exact match ${before.correct}/64 → ${after.correct}/64; ${backend}`);
      const runFiles = await page.evaluate(async () => {
        type Folder = { entries(): AsyncIterable<[string, unknown]> };
        const root = await navigator.storage.getDirectory();
        const run = (await root.getDirectoryHandle('lora-demo')) as unknown as Folder;
        const names: string[] = [];
        for await (const [name] of run.entries()) names.push(name);
        return names.sort();
      });
      expect(runFiles).toEqual([
        `checkpoint-${steps}`,
        'demo-run.json',
        'metrics.jsonl',
        'trainer_state.json',
        'training.log',
      ]);

      // the chat box holds a held-out question the fine-tuned model answered; Enter sends it and clears the box
      const question = await page.inputValue('#chat-input');
      const expected = await page.evaluate((q) => {
        const rows = Array.from(document.querySelectorAll('#predictions tr'));
        const hit = rows.find((r) => r.querySelector('td')?.textContent === q);
        return hit?.querySelectorAll('td')[1]?.textContent ?? '';
      }, question);
      expect(question).toMatch(/\?$/);
      await page.focus('#chat-input');
      await page.keyboard.press('Enter');
      expect(await page.inputValue('#chat-input')).toBe('');
      const reply = page.locator('#chat-log .assistant[data-done]');
      await reply.waitFor({ timeout: 60_000 });
      expect(((await reply.textContent()) ?? '').trim()).toBe(expected);
      await page.keyboard.type('first line');
      await page.keyboard.press('Shift+Enter');
      await page.keyboard.type('second line');
      expect(await page.inputValue('#chat-input')).toBe('first line\nsecond line');
      expect(await page.locator('#chat-log .msg').count()).toBe(2);

      // the downloads: PEFT's files, which give the eval loss the page printed when loaded outside it
      await download(page, 'download-config');
      await download(page, 'download-weights');
      const report = await readFile(await download(page, 'download-report'), 'utf8');
      const pageLoss = Number(/^eval_loss after: (\S+)$/m.exec(report)?.[1]);
      expect(report).toMatch(/^# Fine-tune of stories260K in the browser/);
      const check = await checkAdapter(downloads);
      expect(check.tensorNames).toContain('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight');
      expect(check.tensorNames).toContain('base_model.model.model.embed_tokens.weight');
      expect(check.tensorNames).toHaveLength(5 * 7 * 2 + 1);
      expect(check.loadedKeys).toBe(check.tensorNames.length);
      expect(check.evalLoss).toBeCloseTo(pageLoss, 5);
      expect(Number(await page.textContent('#after-loss'))).toBeCloseTo(pageLoss, 3);

      // the layout holds at a phone's width and on a desktop
      for (const width of [390, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({ path: join(outputDir, `demo-${width}.png`), fullPage: true });
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scrollWidth, `page width at a ${width} px viewport`).toBeLessThanOrEqual(width);
      }
      expect(demo.problems).toEqual([]);
    } finally {
      await demo.close('demo-last.png');
    }
  }, 900_000);
});
