// Bring your own data: a small JSON Lines file (alpaca format) picked with the page's file input is read by
// @lora/datasets, previewed with its trained spans highlighted, split, and trained on with wasm on 2 threads; a
// broken file is refused with its name and line.
import { join } from 'node:path';
import { CHROMIUM_ABSENT, chromiumPresent } from '@lora/testing/chromium';
import { describe, expect, test } from 'vitest';
import { openDemo, outputDir, waitForState } from './test-support/page-session.js';

const title = chromiumPresent
  ? 'uploaded data in the demo page'
  : `uploaded data in the demo page (skipped: ${CHROMIUM_ABSENT})`;

const ANIMALS = ['cat', 'dog', 'bird', 'frog', 'duck', 'fish', 'bear', 'cow', 'pig', 'sheep'];
const NAMES = ['Tom', 'Lily', 'Ben', 'Sue'];

/** 40 alpaca records: which animal does the sentence name? */
const jsonl = NAMES.flatMap((name) =>
  ANIMALS.map((animal) =>
    JSON.stringify({
      instruction: 'Which animal is it?',
      input: `${name} saw a ${animal} at the park.`,
      output: animal,
    }),
  ),
).join('\n');

describe.skipIf(!chromiumPresent)(title, () => {
  test('a JSONL file picked in the page is previewed with its loss spans and trained on', async () => {
    const demo = await openDemo();
    const { page } = demo;
    try {
      await waitForState(page, 'ready', 120_000);
      await page.setInputFiles('#data-file', {
        name: 'bad.jsonl',
        mimeType: 'application/jsonl',
        buffer: Buffer.from('{"instruction": "a", "output": "b"}\n{"instruction": \n'),
      });
      await page.waitForSelector('#error:not([hidden])', { timeout: 60_000 });
      expect(await page.textContent('#error')).toMatch(
        /^DatasetError: bad\.jsonl line 2: malformed JSON: expected one JSON object per line, got /,
      );
      expect(await page.inputValue('#data-choice')).toBe('stories');

      await page.setInputFiles('#data-file', {
        name: 'animals.jsonl',
        mimeType: 'application/jsonl',
        buffer: Buffer.from(jsonl),
      });
      await page.waitForFunction(() =>
        document.querySelector('#data-info')?.textContent?.startsWith('animals.jsonl'),
      );
      expect(await page.textContent('#data-info')).toMatch(
        /^animals\.jsonl \(alpaca\): 36 training examples, 4 held out, 4 held-out questions/,
      );
      const preview = page.locator('#data-preview pre').first();
      expect(await preview.textContent()).toMatch(
        /^<s> ?\[INST\] Which animal is it\?\n\w+ saw a \w+ at the park\. \[\/INST\] \w+ <\/s>$/,
      );
      expect((await preview.locator('.train').allTextContents()).map((t) => t.trim())).toEqual([
        expect.stringMatching(/^\w+ <\/s>$/),
      ]);
      expect(await page.isHidden('#error')).toBe(true);
      expect(await page.inputValue('#data-choice')).toBe('upload');

      await page.fill('#steps', '30');
      await page.dispatchEvent('#steps', 'change');
      await page.waitForFunction(() =>
        document.querySelector('#memory')?.textContent?.startsWith('memory plan'),
      );
      await page.selectOption('#threads', '2'); // the wasm backend's Web Worker pool
      await page.click('#train');
      await waitForState(page, 'trained', 300_000);
      expect(await page.textContent('#backend-report')).toMatch(
        /^backend: wasm \(WebAssembly SIMD, [^)]*, 2 threads\)/,
      );
      await page.screenshot({ path: join(outputDir, 'demo-data-upload.png'), fullPage: true });
      expect(await page.textContent('#phase')).toMatch(/^trained 30 steps in/);
      const loss = (id: string) => page.textContent(`#${id}`).then(Number);
      const [before, after] = [await loss('before-loss'), await loss('after-loss')];
      expect(after, `eval loss before ${before}, after ${after}`).toBeLessThan(before / 2);
      expect(await page.textContent('#after-accuracy')).toMatch(/\(\d\/4\)$/);
      expect(demo.problems).toEqual([]);
    } finally {
      await demo.close('demo-data-upload-last.png');
    }
  }, 600_000);
});
