// The page's memory estimate follows the backend menu: choosing webgpu (SwiftShader in headless Chromium) plans within
// the adapter's largest array and says so, before anything trains; back on wasm the plan has no such limit.

import { CHROMIUM, CHROMIUM_ABSENT, chromiumPresent } from '@lora/testing/chromium';
import { describe, expect, test } from 'vitest';
import { openDemo, pageHasWebgpuAdapter, waitForState } from './test-support/page-session.js';

const title = chromiumPresent
  ? "the demo's memory estimate on webgpu in headless Chromium"
  : `the demo's memory estimate on webgpu (skipped: ${CHROMIUM_ABSENT})`;

describe.skipIf(!chromiumPresent)(title, () => {
  test('selecting webgpu re-plans within its largest array; selecting wasm drops it', async (ctx) => {
    const demo = await openDemo({ webgpu: true });
    const { page } = demo;
    try {
      await waitForState(page, 'ready', 120_000);
      const memory = () => page.textContent('#memory').then((t) => t ?? '');
      expect(await memory()).toMatch(/^memory plan: .* at peak/);
      expect(await memory()).not.toContain('largest array');
      if (!(await pageHasWebgpuAdapter(page)))
        ctx.skip(`${CHROMIUM} offers no WebGPU adapter here (navigator.gpu, --enable-unsafe-webgpu)`);
      await page.selectOption('#backend', 'webgpu');
      await page.waitForFunction(
        () => document.querySelector('#memory')?.textContent?.includes('largest array'),
        undefined,
        {
          timeout: 60_000,
        },
      );
      // stories260K's largest table is 128 KiB: whole on any WebGPU adapter (its binding is at least 128 MiB)
      expect(await memory()).toMatch(/; webgpu's largest array [\d.]+ (MiB|GiB): every tensor fits whole$/);
      expect(await page.isDisabled('#train')).toBe(false);
      await page.selectOption('#backend', 'wasm');
      await page.waitForFunction(
        () => !document.querySelector('#memory')?.textContent?.includes('largest array'),
        undefined,
        {
          timeout: 60_000,
        },
      );
      expect(demo.problems).toEqual([]);
    } finally {
      await demo.close('demo-array-limit-last.png');
    }
  }, 300_000);
});
