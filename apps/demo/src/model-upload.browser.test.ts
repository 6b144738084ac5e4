// Bring your own model: stories260K's Hugging Face folder (packages/stories260k/hf) picked with the page's folder
// input is kept in the origin private file system, read, planned for memory and trained; after a reload the page
// reads it back from there without asking for the files again.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STORIES260K_DIR } from '@lora/stories260k';
import { CHROMIUM_ABSENT, chromiumPresent } from '@lora/testing/chromium';
import { describe, expect, test } from 'vitest';
import { openDemo, outputDir, waitForState } from './test-support/page-session.js';

const title = chromiumPresent
  ? 'a picked model folder in the demo page'
  : `a picked model folder in the demo page (skipped: ${CHROMIUM_ABSENT})`;

describe.skipIf(!chromiumPresent)(title, () => {
  test('a Hugging Face folder picked in the page is kept in OPFS, trained on, and read back after a reload', async () => {
    const demo = await openDemo();
    const { page } = demo;
    try {
      await waitForState(page, 'ready', 120_000);
      await page.setInputFiles('#model-files', fileURLToPath(STORIES260K_DIR));
      await page.waitForFunction(
        () => document.querySelector('#model-info')?.textContent?.includes('you picked'),
        undefined,
        {
          timeout: 60_000,
        },
      );
      expect(await page.textContent('#model-info')).toMatch(
        /^hf: llama, hidden 64, 5 layers, .* 260,032 parameters .* read from the folder you picked, now kept in this browser/,
      );
      expect(await page.inputValue('#model-choice')).toBe('stored');
      expect(await page.textContent('#model-choice option[value="stored"]')).toBe(
        'hf — kept in this browser',
      );
      const kept = await page.evaluate(async () => {
        type Folder = { entries(): AsyncIterable<[string, unknown]> };
        const root = await navigator.storage.getDirectory();
        const folder = (await root.getDirectoryHandle('lora-demo-model')) as unknown as Folder;
        const names: string[] = [];
        for await (const [name] of folder.entries()) names.push(name);
        return names.sort();
      });
      expect(kept).toEqual([
        'config.json',
        'generation_config.json',
        'model.safetensors',
        'name.txt',
        'special_tokens_map.json',
        'tokenizer.json',
        'tokenizer_config.json',
      ]);
      await page.waitForFunction(() =>
        document.querySelector('#memory')?.textContent?.startsWith('memory plan'),
      );
      expect(await page.textContent('#memory')).toMatch(
        /^memory plan: [\d.]+ MiB at peak .* limit 4\.00 GiB/,
      );

      await page.fill('#steps', '20');
      await page.dispatchEvent('#steps', 'change');
      await page.waitForFunction(() =>
        document.querySelector('#data-info')?.textContent?.includes(': 160 training examples'),
      );
      await page.click('#train');
      await waitForState(page, 'trained', 300_000);
      const loss = (id: string) => page.textContent(`#${id}`).then(Number);
      expect(await loss('after-loss')).toBeLessThan(await loss('before-loss'));

      await page.reload();
      await waitForState(page, 'ready', 120_000);
      await page.waitForFunction(() => document.querySelector('#model-info')?.textContent?.startsWith('hf:'));
      expect(await page.textContent('#model-info')).toMatch(/read back from this browser’s private storage/);
      expect(await page.inputValue('#model-choice')).toBe('stored');
      await page.screenshot({ path: join(outputDir, 'demo-model-upload.png'), fullPage: true });
      expect(demo.problems).toEqual([]);
    } finally {
      await demo.close('demo-model-upload-last.png');
    }
  }, 600_000);
});
