// The built site in headless Chromium: generate the references, build with VitePress into a temporary folder, serve
// it, and check what a reader relies on — the home page and its links, local search, the CLI and API references, the
// sidebar, outline and previous/next of a guide, dark mode, no sideways scrolling on a phone, the figures — with no
// console errors, page errors or failed requests on any page opened. Every link in the built HTML is checked too:
// VitePress's own dead-link check reads the Markdown, not the sidebar and nav it adds.
// LORA_DOCS_SCREENSHOTS=<folder> also saves screenshots of the home, a recipe and an API page there.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CHROMIUM_ABSENT,
  chromiumPresent,
  type LaunchedChromium,
  launchChromium,
} from '@lora/testing/chromium';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateReferences } from './generate.js';
import { DEMO_PATH } from './markdown.js';
import { buildSite, type StaticServer, serveStatic } from './test-support/browser.js';
import { builtFiles, checkBuiltLinks } from './test-support/built-links.js';

const DOCS_DIR = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOTS = process.env.LORA_DOCS_SCREENSHOTS;

// generating the references and building take about 30 s on 2 cores, the checks 10 s more: CI (CI=true, or
// LORA_DOCS_BROWSER=1) runs it, a local `pnpm test` says it skipped; site.test.ts checks the pages and their links
// from the Markdown on every run
const RUN = process.env.CI === 'true' || process.env.LORA_DOCS_BROWSER === '1';
const title = !chromiumPresent
  ? `the built docs site in headless Chromium (skipped: ${CHROMIUM_ABSENT})`
  : RUN
    ? 'the built docs site in headless Chromium'
    : 'the built docs site in headless Chromium (skipped locally: ~40 s with the build; runs with CI=true or LORA_DOCS_BROWSER=1)';

// the checker itself, on a made-up build (runs everywhere: no build, no browser)
test('the built-link checker reports a missing page, a missing id and a missing file, and skips other sites', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lora-docs-links-'));
  try {
    await mkdir(join(dir, 'guide'));
    await mkdir(join(dir, 'ref'));
    const page = (body: string) => `<html><body>${body}</body></html>`;
    await writeFile(join(dir, 'index.html'), page('<h1 id="top">x</h1><a href="/guide/a.html#one">a</a>'));
    await writeFile(join(dir, 'ref', 'index.html'), page(''));
    await writeFile(join(dir, 'logo.svg'), '<svg/>');
    await writeFile(
      join(dir, 'guide', 'a.html'),
      page(
        '<h2 id="one">1</h2><a href="../#top">home</a><a href="#one">here</a><a href="/ref/">ref</a>' +
          '<a href="/logo.svg">logo</a><a href="/guide/b">gone</a><a href="#two">no id</a>' +
          '<a href="/missing.png">no file</a><a href="https://example.org/x.html">elsewhere</a>' +
          '<a href="/demo/">the app</a><a class="x" href="/?a=1&amp;b=2#top">query</a>',
      ),
    );
    expect(checkBuiltLinks(dir, ['/demo/'])).toEqual({
      checked: 9,
      broken: [
        'guide/a.html: /guide/b (no such page or file)',
        'guide/a.html: #two (no id "two" in guide/a.html)',
        'guide/a.html: /missing.png (no such page or file)',
      ],
    });
    expect(builtFiles(dir)).toEqual(['guide/a.html', 'index.html', 'logo.svg', 'ref/index.html']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe.skipIf(!chromiumPresent || !RUN)(title, () => {
  let outDir = '';
  let server: StaticServer | undefined;
  let browser: LaunchedChromium | undefined;

  beforeAll(async () => {
    await generateReferences();
    outDir = await mkdtemp(join(tmpdir(), 'lora-docs-site-'));
    await buildSite(DOCS_DIR, outDir);
    server = await serveStatic(outDir);
    browser = await launchChromium();
    if (SCREENSHOTS) await mkdir(SCREENSHOTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir !== '') await rm(outDir, { recursive: true, force: true });
  });

  /** A new page at `path` of the site with its problems (console errors, page errors, HTTP errors) collected. */
  async function open(
    path: string,
    viewport = { width: 1280, height: 800 },
  ): Promise<{ page: Page; problems: string[] }> {
    const page = await browser!.context.newPage();
    await page.setViewportSize(viewport);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    page.on('requestfailed', (request) =>
      problems.push(`failed: ${request.url()} (${request.failure()?.errorText})`),
    );
    await page.goto(new URL(path, server!.url).href, { waitUntil: 'networkidle' });
    return { page, problems };
  }

  const pathOf = (href: string) => new URL(href).pathname;
  /** An element's text, without the zero-width space of VitePress's heading anchors. */
  const text = async (page: Page, selector: string) =>
    ((await page.locator(selector).first().textContent()) ?? '').replace(/\u200b/g, '').trim();
  const h1 = (page: Page) => text(page, '.vp-doc h1');

  test('every link in the built pages names a built page or file, and a fragment an id of that page', () => {
    expect(builtFiles(outDir)).toEqual(
      expect.arrayContaining(['index.html', 'reference/cli/train.html', 'reference/api/sft.html']),
    );
    const { checked, broken } = checkBuiltLinks(outDir, [DEMO_PATH]); // the web app is built beside the site
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(1000); // every page's sidebar alone has about 60
  });

  test('the home page loads cleanly and links to the quick start, a recipe, and the CLI and API references', async () => {
    const { page, problems } = await open('/');
    try {
      expect(await h1(page)).toMatch(/^@lora/);
      const links = await page.$$eval('.vp-doc a[href]', (as) =>
        as.map((a) => (a as HTMLAnchorElement).href),
      );
      const paths = links.map(pathOf);
      const expected = {
        '/guide/quick-start.html': /^Quick start/,
        '/recipes/qwen2.5.html': /^Fine-tune Qwen2\.5 with QLoRA/,
        '/reference/cli/': /^The lora command/,
        '/reference/api/': /^API reference/,
      };
      for (const [path, heading] of Object.entries(expected)) {
        expect(paths).toContain(path);
        // the reader's click: VitePress's router renders the page without a reload
        await page
          .locator(`.vp-doc a[href$="${path.slice(1)}"]`)
          .first()
          .click();
        await page.waitForURL((url) => url.pathname === path);
        await expect.poll(() => h1(page)).toMatch(heading);
        await page.goBack();
        await page.waitForURL((url) => url.pathname === '/');
      }
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  test('local search finds the resume and checkpoints guide for "resume"', async () => {
    const { page, problems } = await open('/');
    try {
      await page.locator('.VPNavBarSearch button').click();
      const input = page.locator('.VPLocalSearchBox input');
      await input.fill('resume');
      const hit = page.locator('.VPLocalSearchBox .results a[href*="guide/checkpoints"]').first();
      await hit.waitFor();
      expect(await hit.textContent()).toMatch(/Resume and checkpoints/);
      await hit.click();
      await page.waitForURL((url) => url.pathname === '/guide/checkpoints.html');
      // and Ctrl+K opens it again from anywhere
      await page.keyboard.press('Control+k');
      await page.locator('.VPLocalSearchBox input').waitFor();
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  test('the CLI reference of train lists --lr with its alias --learning-rate', async () => {
    const { page, problems } = await open('/reference/cli/train.html');
    try {
      expect(await h1(page)).toMatch(/^lora train/);
      const row = page.locator('.vp-doc tr', { hasText: '--lr <n>' });
      expect(await row.count()).toBe(1);
      const cells = await row.locator('td').allTextContents();
      expect(cells[0]).toMatch(/^--lr <n>/);
      expect(cells.at(-1)).toBe('peak learning rateAlso: --learning-rate'); // the description, then `<br>Also: …`
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  test('the API reference has a page for @lora/sft that documents Trainer', async () => {
    const { page, problems } = await open('/reference/api/sft.html');
    try {
      expect(await h1(page)).toMatch(/^@lora\/sft/);
      const headings = await page.locator('.vp-doc h2, .vp-doc h3').allTextContents();
      expect(headings.map((h) => h.replace(/\u200b/g, '').trim())).toContain('Trainer');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  test('a guide page has the sidebar, the outline, previous/next links, and dark mode toggles', async () => {
    const { page, problems } = await open('/guide/checkpoints.html');
    try {
      const active = page.locator('.VPSidebar .VPSidebarItem.is-active a').first();
      expect(pathOf(await active.evaluate((a) => (a as HTMLAnchorElement).href))).toBe(
        '/guide/checkpoints.html',
      );
      expect(await text(page, '.VPDocAsideOutline .outline-title')).toBe('On this page');
      const outline = await page.$$eval('.VPDocAsideOutline a.outline-link', (as) =>
        as.map((a) => (a as HTMLAnchorElement).hash),
      );
      const h2 = await page.$$eval('.vp-doc h2[id]', (hs) => hs.map((h) => `#${h.id}`));
      expect(h2.length).toBeGreaterThan(1);
      expect(outline).toEqual(expect.arrayContaining(h2));
      // previous and next follow the sidebar's order (src/pages.ts)
      const prev = await page.locator('.VPDocFooter .pager-link.prev').getAttribute('href');
      const next = await page.locator('.VPDocFooter .pager-link.next').getAttribute('href');
      expect([prev, next]).toEqual(['/guide/memory.html', '/guide/gpu.html']);

      const dark = () => page.evaluate(() => document.documentElement.classList.contains('dark'));
      const before = await dark();
      await page.locator('.VPNavBarAppearance button').click();
      expect(await dark()).toBe(!before);
      await page.reload({ waitUntil: 'networkidle' }); // the choice is kept
      expect(await dark()).toBe(!before);
      await page.locator('.VPNavBarAppearance button').click();
      expect(await dark()).toBe(before);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  const WIDE = ['/', '/recipes/qwen2.5.html', '/reference/api/sft.html'];
  test.each([
    [390, 844],
    [1280, 800],
  ])('at %i×%i the home, a recipe and an API page do not scroll sideways', async (width, height) => {
    for (const path of WIDE) {
      const { page, problems } = await open(path, { width, height });
      try {
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scrollWidth, `${path} at ${width} px`).toBeLessThanOrEqual(width);
        expect(problems).toEqual([]);
        if (SCREENSHOTS && (width === 1280 || path === '/')) {
          const name =
            path === '/'
              ? 'home'
              : path
                  .slice(1)
                  .replace(/\.html$/, '')
                  .replace(/\//g, '-');
          await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}x${height}.png`) });
        }
      } finally {
        await page.close();
      }
    }
  });

  test('the metrics page shows the loss chart as an image that loads', async () => {
    const { page, problems } = await open('/metrics.html');
    try {
      const img = page.locator('.vp-doc img[alt^="The loss chart"]');
      expect(await img.count()).toBe(1);
      await img.scrollIntoViewIfNeeded();
      await expect
        .poll(() =>
          img.evaluate((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth),
        )
        .toBeGreaterThan(0);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
