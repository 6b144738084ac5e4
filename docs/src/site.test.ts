// The site's structure, checked on the Markdown sources without a build: the page list and pages/ agree, every
// page has a title, every relative link names a page (or file) and a heading of it, and every `<<<` code import
// names a file of the repository.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { createMarkdownRenderer } from 'vitepress';
import { describe, expect, test } from 'vitest';
import { VERBS } from '../../apps/cli/src/verbs.js';
import { apiPackages } from './api-reference.js';
import { cliReferencePages } from './cli-reference.js';
import { findBrokenLinks, type PageFacts, pageFacts } from './links.js';
import { DEMO_PATH, markdownOptions } from './markdown.js';
import { markdownPages, PAGES, PAGES_DIR, pagePath } from './pages.js';

const md = await createMarkdownRenderer(PAGES_DIR, markdownOptions());

/** Every file under `dir`, as `/`-separated paths relative to pages/. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(PAGES_DIR, join(e.parentPath, e.name)).split(sep).join('/'));
}

describe('the page list', () => {
  test('lists exactly the hand-written Markdown files of pages/, each once', () => {
    const listed = PAGES.map((p) => p.name);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(markdownPages());
  });

  test.each(PAGES.map((p) => p.name))('pages/%s.md starts with its "# " title', (name) => {
    expect(readFileSync(pagePath(name), 'utf8')).toMatch(/^# \S/);
  });
});

describe('links', () => {
  const pages = new Map<string, PageFacts>();
  for (const { name } of PAGES)
    pages.set(name, pageFacts(md, readFileSync(pagePath(name), 'utf8'), pagePath(name)));
  // the generated pages: the CLI reference as generated now, the API reference by name (its ids are TypeDoc's)
  for (const [file, text] of cliReferencePages(VERBS)) {
    const name = `reference/cli/${file.replace(/\.md$/, '')}`;
    pages.set(name, pageFacts(md, text, join(PAGES_DIR, `${name}.md`)));
  }
  pages.set('reference/api/index', { ids: new Set(), links: [], snippets: [] });
  for (const pkg of apiPackages())
    pages.set(`reference/api/${pkg.dir}`, { ids: new Set(), links: [], snippets: [] });
  const files = new Set([
    ...filesUnder(join(PAGES_DIR, 'public')).map((f) => f.replace(/^public\//, '')),
    ...filesUnder(join(PAGES_DIR, 'figures')),
  ]);

  test('every relative link names a page or file of the site, and a fragment a heading of that page', () => {
    const external = (href: string) => href.startsWith(DEMO_PATH);
    const broken = findBrokenLinks(pages, files).filter((b) => !external(b.href));
    expect(broken.map((b) => `pages/${b.page}.md line ${b.line}: ${b.href} (${b.reason})`)).toEqual([]);
  });

  test('the checker reports a missing page, a missing heading and a missing file', () => {
    const facts = (links: string[], ids: string[] = []): PageFacts => ({
      ids: new Set(ids),
      links: links.map((href) => ({ href, line: 1 })),
      snippets: [],
    });
    const site = new Map([
      [
        'guide/a',
        facts(
          ['b.md#top', 'b.md#gone', '../c.md', '#own', 'https://x.org/y.md', '../figures/f.svg', 'nope.png'],
          ['own'],
        ),
      ],
      ['guide/b', facts([], ['top'])],
    ]);
    expect(findBrokenLinks(site, new Set(['figures/f.svg'])).map((b) => `${b.href}: ${b.reason}`)).toEqual([
      'b.md#gone: no heading with id "gone" in guide/b.md',
      '../c.md: no page c.md',
      'nope.png: no page or file guide/nope.png',
    ]);
  });

  test.each(PAGES.map((p) => p.name))('pages/%s.md: every <<< code import names a file', (name) => {
    const missing = pages
      .get(name)!
      .snippets.filter((s) => {
        const path = s.path.startsWith('@/')
          ? join(PAGES_DIR, s.path.slice(2))
          : resolve(dirname(pagePath(name)), s.path);
        return !existsSync(path);
      })
      .map((s) => `line ${s.line}: ${s.path}`);
    expect(missing).toEqual([]);
  });
});
