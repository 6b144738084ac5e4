// Broken-link check over a built site: every relative href/src must name a file of the site, and every
// fragment an id in the page it points to. Links with a scheme (https:, mailto:) are outside the site.
import { posix } from 'node:path';

export interface BrokenLink {
  /** the page holding the link, relative to the site root */
  page: string;
  href: string;
  reason: string;
}

const ATTRIBUTE = /\s(?:href|src)="([^"]*)"/g;

function unescapeAttribute(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function ids(html: string): Set<string> {
  return new Set([...html.matchAll(/\sid="([^"]*)"/g)].map((m) => unescapeAttribute(m[1]!)));
}

/** The broken links of a site given as file path (relative, `/`-separated) → content. */
export function findBrokenLinks(files: ReadonlyMap<string, string>): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const [page, html] of files) {
    if (!page.endsWith('.html')) continue;
    for (const match of html.matchAll(ATTRIBUTE)) {
      const href = unescapeAttribute(match[1]!);
      if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue;
      const [path = '', fragment] = href.split('#', 2);
      const target =
        path === '' ? page : posix.normalize(posix.join(posix.dirname(page), path.split('?')[0]!));
      const content = files.get(target);
      if (content === undefined) {
        broken.push({ page, href, reason: `no file ${target}` });
      } else if (
        fragment !== undefined &&
        fragment !== '' &&
        !ids(content).has(decodeURIComponent(fragment))
      ) {
        broken.push({ page, href, reason: `no id "${fragment}" in ${target}` });
      }
    }
  }
  return broken;
}
