// The links of a built site, checked on its HTML files: every `<a href>` inside the site names a file a static host
// serves (the file, its `.html`, or the folder's `index.html`), and a `#fragment` an id of that page. VitePress's own
// dead-link check reads the Markdown; this also covers the sidebar, the nav and the generated references' anchors.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Every file of the build folder, as `/`-separated paths relative to it. */
export function builtFiles(outDir: string): string[] {
  return readdirSync(outDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(outDir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

const decodeEntities = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * The links of the built pages under `outDir` that name no built file, or no id of their page, as
 * `page: href (reason)`, and how many links were checked. Links outside the site, and under `skipPaths`, are not.
 */
export function checkBuiltLinks(
  outDir: string,
  skipPaths: readonly string[] = [],
): { checked: number; broken: string[] } {
  const files = new Set(builtFiles(outDir));
  const pages = [...files].filter((f) => f.endsWith('.html'));
  const html = new Map(pages.map((f) => [f, readFileSync(join(outDir, f), 'utf8')]));
  const ids = new Map(
    pages.map((f) => [
      f,
      new Set([...html.get(f)!.matchAll(/\sid="([^"]*)"/g)].map((m) => decodeEntities(m[1]!))),
    ]),
  );
  // what a static host serves for a path: the file, else its .html, else the folder's index.html
  const fileOf = (pathname: string): string | undefined => {
    const path = decodeURIComponent(pathname).slice(1);
    return [path, `${path}.html`, `${path.replace(/\/?$/, '/')}index.html`.replace(/^\//, '')].find((p) =>
      files.has(p),
    );
  };
  const broken: string[] = [];
  let checked = 0;
  for (const page of pages) {
    if (page === '404.html') continue;
    const pageUrl = new URL(page, 'http://site/');
    for (const match of html.get(page)!.matchAll(/<a\s[^>]*?href="([^"]*)"/g)) {
      const href = decodeEntities(match[1]!);
      const url = new URL(href, pageUrl);
      if (url.origin !== pageUrl.origin || skipPaths.some((p) => url.pathname.startsWith(p))) continue;
      checked++;
      const target = fileOf(url.pathname);
      const id = decodeURIComponent(url.hash.slice(1));
      if (target === undefined) broken.push(`${page}: ${href} (no such page or file)`);
      else if (id !== '' && ids.has(target) && !ids.get(target)!.has(id))
        broken.push(`${page}: ${href} (no id "${id}" in ${target})`);
    }
  }
  return { checked, broken: [...new Set(broken)] };
}
