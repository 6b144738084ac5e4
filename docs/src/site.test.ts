import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findBrokenLinks } from './links.js';
import { PAGES, PAGES_DIR } from './pages.js';
import { pageHref, renderMarkdown, slugify } from './render.js';
import { buildSite, readPages, renderSite, SiteError } from './site.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lora-docs-site-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the built site', () => {
  test('has one HTML page per Markdown page, with no broken relative link', async () => {
    const outDir = join(dir, 'dist');
    const styleSheet = await readFile(new URL('./style.css', import.meta.url), 'utf8');
    await buildSite({ pagesDir: PAGES_DIR, outDir, pages: PAGES, styleSheet });

    const markdown = (await readdir(PAGES_DIR)).filter((f) => f.endsWith('.md')).sort();
    const written = (await readdir(outDir)).sort();
    expect(written.filter((f) => f.endsWith('.html'))).toEqual(
      markdown.map((f) => f.replace(/\.md$/, '.html')),
    );

    const files = new Map<string, string>();
    for (const f of written) files.set(f, await readFile(join(outDir, f), 'utf8'));
    expect(findBrokenLinks(files)).toEqual([]);
    // every page links to every other page through the navigation
    for (const page of PAGES) {
      const html = files.get(`${page.name}.html`)!;
      for (const other of PAGES) expect(html).toContain(`href="${other.name}.html"`);
      expect(html).toContain('href="style.css"');
    }
  });

  test('a rebuild replaces the previous site, and a failed build leaves it as it was', async () => {
    const outDir = join(dir, 'replace');
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'stale.html'), 'old');
    const pagesDir = join(dir, 'pages');
    await mkdir(pagesDir, { recursive: true });
    await writeFile(join(pagesDir, 'index.md'), '# Home\n\n[other](other.md)\n');
    const pages = [{ name: 'index', nav: 'Home' }];
    const error = await buildSite({ pagesDir, outDir, pages, styleSheet: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SiteError);
    expect((error as Error).message).toBe(
      'links: expected every relative link to resolve, got 1 broken:\n  index.html: other.html (no file other.html)',
    );
    expect(await readdir(outDir)).toEqual(['stale.html']);

    await writeFile(join(pagesDir, 'index.md'), '# Home\n\n[top](#home)\n');
    expect(await buildSite({ pagesDir, outDir, pages, styleSheet: 'p{}' })).toEqual([
      'index.html',
      'style.css',
    ]);
    expect((await readdir(outDir)).sort()).toEqual(['index.html', 'style.css']);
  });

  test('pages/ and the page list must agree', async () => {
    const pagesDir = join(dir, 'agree');
    await mkdir(pagesDir, { recursive: true });
    await writeFile(join(pagesDir, 'a.md'), '# A\n');
    await writeFile(join(pagesDir, 'b.md'), '# B\n');
    await expect(
      readPages(pagesDir, [
        { name: 'a', nav: 'A' },
        { name: 'c', nav: 'C' },
      ]),
    ).rejects.toThrow(
      `pages: expected the page order to list exactly the files of ${pagesDir}, got missing files c.md and unlisted files b.md`,
    );
  });
});

describe('findBrokenLinks', () => {
  const site = new Map([
    [
      'a.html',
      '<h2 id="x">X</h2><a href="b.html#y">ok</a> <a href="#x">ok</a> <a href="https://example.com/z">ok</a>',
    ],
    [
      'b.html',
      '<p id="y"></p><a href="a.html#nope">bad fragment</a><img src="img/c.png"><a href="sub/../a.html">ok</a>',
    ],
  ]);
  test('reports missing files and missing ids, and nothing else', () => {
    expect(findBrokenLinks(site)).toEqual([
      { page: 'b.html', href: 'a.html#nope', reason: 'no id "nope" in a.html' },
      { page: 'b.html', href: 'img/c.png', reason: 'no file img/c.png' },
    ]);
  });
});

describe('renderMarkdown', () => {
  const { title, html } = renderMarkdown(
    [
      '# The `core` page',
      '',
      'See [kernels](kernels.md#2-a-linear-layer) and [the web](https://example.com/a.md).',
      '',
      '## Same',
      '## Same',
      '',
      '```ts',
      'const x: number = 1; // one',
      '```',
      '',
      '<!-- output -->',
      '```text',
      '<1>',
      '```',
    ].join('\n'),
  );

  test('takes the title from the first heading and gives headings unique ids', () => {
    expect(title).toBe('The core page');
    expect(html).toContain('<h1 id="the-core-page">');
    expect(html).toContain('<h2 id="same">');
    expect(html).toContain('<h2 id="same-1">');
  });

  test('points page links at HTML and leaves other links alone', () => {
    expect(html).toContain('<a href="kernels.html#2-a-linear-layer">kernels</a>');
    expect(html).toContain('<a href="https://example.com/a.md">the web</a>');
  });

  test('highlights ts blocks and shows output blocks as output, escaped', () => {
    expect(html).toContain('<span class="hljs-keyword">const</span>');
    expect(html).toContain('<span class="hljs-comment">// one</span>');
    expect(html).toContain(
      '<figure class="output"><figcaption>Output</figcaption><pre><code>&lt;1&gt;</code></pre></figure>',
    );
  });

  test.each([
    ['1. Sixteen quantiles of N(0, 1)', '1-sixteen-quantiles-of-n0-1'],
    ['The <code>core</code> page', 'the-core-page'],
    ['safetensors, byte by byte', 'safetensors-byte-by-byte'],
    ['What &quot;trains&quot;', 'what-trains'],
  ])('slugify(%j) = %j', (text, slug) => {
    expect(slugify(text)).toBe(slug);
  });

  test.each([
    ['kernels.md', 'kernels.html'],
    ['kernels.md#part', 'kernels.html#part'],
    ['#part', '#part'],
    ['https://github.com/x/README.md', 'https://github.com/x/README.md'],
    ['notes.mdx', 'notes.mdx'],
  ])('pageHref(%j) = %j', (href, expected) => {
    expect(pageHref(href)).toBe(expected);
  });
});

test('renderSite marks the current page in the navigation', () => {
  const files = renderSite(
    [
      { name: 'index', nav: 'Home', markdown: '# Home\n' },
      { name: 'two', nav: 'Two & more', markdown: '# Two\n' },
    ],
    '',
  );
  const two = files.get('two.html')!;
  expect(two).toContain('<title>Two · @lora docs</title>');
  expect(two).toContain('<li><a href="two.html" aria-current="page">Two &amp; more</a></li>');
  expect(two).toContain('<li><a href="index.html">Home</a></li>');
});
