// The static site: every page of pages/ rendered into one HTML document with the navigation, plus the style
// sheet. A build with a broken link, or with pages/ and the page order out of step, fails and writes nothing.
import { readdir, readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { findBrokenLinks } from './links.js';
import type { PageEntry } from './pages.js';
import { escapeHtml, renderMarkdown } from './render.js';

export class SiteError extends Error {
  override name = 'SiteError';
}

export interface SourcePage extends PageEntry {
  markdown: string;
}

const STYLE_SHEET = 'style.css';

function document(title: string, nav: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · @lora docs</title>
<link rel="stylesheet" href="${STYLE_SHEET}">
</head>
<body>
<nav>
<a class="home" href="index.html">@lora</a>
<ul>
${nav}
</ul>
</nav>
<main>
${body}</main>
</body>
</html>
`;
}

/** The site's files by relative path: `<name>.html` for each page in order, and the style sheet. */
export function renderSite(pages: readonly SourcePage[], styleSheet: string): Map<string, string> {
  const rendered = pages.map((page) => {
    const { title, html } = renderMarkdown(page.markdown);
    if (!title) throw new SiteError(`pages/${page.name}.md: expected a "# Title" heading, got none`);
    return { ...page, title, html };
  });
  const files = new Map<string, string>();
  for (const page of rendered) {
    const nav = rendered
      .map((p) => {
        const current = p.name === page.name ? ' aria-current="page"' : '';
        return `<li><a href="${escapeHtml(p.name)}.html"${current}>${escapeHtml(p.nav)}</a></li>`;
      })
      .join('\n');
    files.set(`${page.name}.html`, document(page.title, nav, page.html));
  }
  files.set(STYLE_SHEET, styleSheet);
  return files;
}

/** Reads the pages `entries` lists from `pagesDir`, checking that the folder holds exactly those pages. */
export async function readPages(pagesDir: string, entries: readonly PageEntry[]): Promise<SourcePage[]> {
  const order = entries.map((e) => e.name);
  const onDisk = (await readdir(pagesDir)).filter((f) => f.endsWith('.md')).map((f) => basename(f, '.md'));
  const missing = order.filter((name) => !onDisk.includes(name));
  const unlisted = onDisk.filter((name) => !order.includes(name));
  if (missing.length > 0 || unlisted.length > 0) {
    throw new SiteError(
      `pages: expected the page order to list exactly the files of ${pagesDir}, got ` +
        `${missing.length ? `missing files ${missing.map((n) => `${n}.md`).join(', ')}` : ''}` +
        `${missing.length && unlisted.length ? ' and ' : ''}` +
        `${unlisted.length ? `unlisted files ${unlisted.map((n) => `${n}.md`).join(', ')}` : ''}`,
    );
  }
  return Promise.all(
    entries.map(async (entry) => ({
      ...entry,
      markdown: await readFile(join(pagesDir, `${entry.name}.md`), 'utf8'),
    })),
  );
}

export interface BuildOptions {
  pagesDir: string;
  outDir: string;
  pages: readonly PageEntry[];
  styleSheet: string;
}

/**
 * Render the site and replace `outDir` with it: the files are written to a sibling folder first, which is then
 * renamed into place, so a failed build leaves the previous site as it was. Returns the written file names.
 */
export async function buildSite(options: BuildOptions): Promise<string[]> {
  const files = renderSite(await readPages(options.pagesDir, options.pages), options.styleSheet);
  const broken = findBrokenLinks(files);
  if (broken.length > 0) {
    const list = broken.map((b) => `  ${b.page}: ${b.href} (${b.reason})`).join('\n');
    throw new SiteError(
      `links: expected every relative link to resolve, got ${broken.length} broken:\n${list}`,
    );
  }
  const staging = join(dirname(options.outDir), `.${basename(options.outDir)}-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    for (const [file, content] of files) await writeFile(join(staging, file), content);
    await rm(options.outDir, { recursive: true, force: true });
    await rename(staging, options.outDir);
  } catch (cause) {
    await rm(staging, { recursive: true, force: true });
    throw new SiteError(`build: could not write ${options.outDir}: ${(cause as Error).message}`, { cause });
  }
  return [...files.keys()];
}
