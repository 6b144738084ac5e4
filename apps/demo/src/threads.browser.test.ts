// All cores: the wasm backend's Web Worker pool (@lora/backend-wasm pool-browser.ts) in the page's training worker.
// The same run on 1 and on 2 threads: the report line says how many run, both train the story task, and the
// tokens/s of each is printed (speed is measured here, not asserted: the machine is shared).

import { CHROMIUM_ABSENT, chromiumPresent } from '@lora/testing/chromium';
import { describe, expect, test } from 'vitest';
import { accuracyOf, openDemo, waitForState } from './test-support/page-session.js';

// a measurement as much as a test: CI (CI=true, or LORA_DEMO_THREADS=1) runs 1, 2, 1, 2 threads; a local
// `pnpm test` skips it and says so (the 2-thread pool is also what the other browser tests may pick)
const RUN = process.env.CI === 'true' || process.env.LORA_DEMO_THREADS === '1';
const STEPS = Number(process.env.LORA_DEMO_THREAD_STEPS ?? 200);
const THREADS = ['1', '2', '1', '2'];
const title = !chromiumPresent
  ? `the wasm thread pool in the demo page (skipped: ${CHROMIUM_ABSENT})`
  : RUN
    ? 'the wasm thread pool in the demo page'
    : 'the wasm thread pool in the demo page (skipped locally: a 1-vs-2-thread measurement; runs with CI=true or LORA_DEMO_THREADS=1)';

describe.skipIf(!chromiumPresent || !RUN)(title, () => {
  test('the same run on 1 and 2 wasm threads: both train, the report names the threads', async () => {
    const demo = await openDemo();
    const { page } = demo;
    try {
      await waitForState(page, 'ready', 120_000);
      expect(await page.locator('#threads option').count()).toBeGreaterThanOrEqual(2);
      await page.fill('#steps', String(STEPS));
      await page.dispatchEvent('#steps', 'change');
      await page.waitForFunction(
        (n) =>
          document.querySelector('#stat-step') &&
          (document.querySelector('#steps') as HTMLInputElement).value === String(n),
        STEPS,
      );
      const runs: string[] = [];
      const correct: number[] = [];
      for (const threads of THREADS) {
        await page.selectOption('#threads', threads);
        await page.click('#train');
        await waitForState(page, 'trained', 600_000);
        const report = (await page.textContent('#backend-report')) ?? '';
        expect(report).toMatch(
          new RegExp(`^backend: wasm \\(WebAssembly SIMD, [^)]*, ${threads} threads?\\)`),
        );
        const after = await accuracyOf(page, 'after-accuracy');
        expect(after.correct, `${threads} threads: ${after.correct}/64`).toBeGreaterThan(0);
        correct.push(after.correct);
        const phase = (await page.textContent('#phase')) ?? '';
        const tps = (await page.textContent('#stat-tps')) ?? '';
        runs.push(
          `${threads} thread(s): ${phase.replace(/ — chat below$/, '')}, ${tps} tokens/s, exact match ${after.correct}/64`,
        );
      }
      // the same run: threads change only the order of float sums, so the answers barely move
      expect(
        Math.max(...correct) - Math.min(...correct),
        `exact match per run: ${correct.join(', ')}`,
      ).toBeLessThanOrEqual(3);
      console.log(`wasm threads in the demo page (${STEPS} steps):\n  ${runs.join('\n  ')}`);
      expect(demo.problems).toEqual([]);
    } finally {
      await demo.close('demo-threads-last.png');
    }
  }, 1_200_000);
});
