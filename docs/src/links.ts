// Links between the pages, checked on the Markdown sources with the site's own parser: a relative link must name a
// page or file of the site, and a fragment an id that page's headings get. (VitePress's build checks pages, not
// fragments; this also runs in the tests, without a build.) Links with a scheme (https:, mailto:) are outside.
import { posix } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';

export interface PageFacts {
  /** the heading ids of the page */
  ids: Set<string>;
  /** every link and image source, with the 1-based line it is on */
  links: { href: string; line: number }[];
  /** `<<< file` code snippet imports, as written, with their lines */
  snippets: { path: string; line: number }[];
}

/** What a page links to and which ids it has, as the site's Markdown renderer parses it. */
export function pageFacts(md: MarkdownRenderer, markdown: string, path: string): PageFacts {
  const ids = new Set<string>();
  const links: PageFacts['links'] = [];
  const tokens = md.parse(markdown, { path, relativePath: posix.basename(path), cleanUrls: false });
  for (const token of tokens) {
    const line = (token.map?.[0] ?? 0) + 1;
    if (token.type === 'heading_open') {
      const id = token.attrGet('id');
      if (id) ids.add(id);
    }
    for (const child of token.children ?? []) {
      const href =
        child.type === 'link_open'
          ? child.attrGet('href')
          : child.type === 'image'
            ? child.attrGet('src')
            : null;
      if (href !== null) links.push({ href, line });
    }
  }
  const snippets = markdown.split('\n').flatMap((text, i) => {
    const m = /^<<<\s+(\S+)/.exec(text);
    return m ? [{ path: m[1]!.replace(/\{.*$/, '').replace(/#.*$/, ''), line: i + 1 }] : [];
  });
  return { ids, links, snippets };
}

export interface BrokenLink {
  page: string;
  line: number;
  href: string;
  reason: string;
}

/**
 * The broken relative links of `pages` (page name → facts). A link names a page by its Markdown file (`data.md`,
 * `../recipes/gpt2.md#train`) or a folder's index (`reference/cli/`); `files` are the other files a link may name
 * (images, assets), as paths under the site root.
 */
export function findBrokenLinks(
  pages: ReadonlyMap<string, PageFacts>,
  files: ReadonlySet<string>,
): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const [page, facts] of pages) {
    for (const { href, line } of facts.links) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) continue;
      const [rawPath = '', fragment] = href.split('#', 2);
      const path = decodeURIComponent(rawPath.split('?')[0]!);
      const resolved = path.startsWith('/')
        ? posix.normalize(path.slice(1))
        : posix.normalize(posix.join(posix.dirname(page), path));
      const name =
        path === ''
          ? page
          : path.endsWith('.md')
            ? resolved.slice(0, -'.md'.length)
            : path.endsWith('/')
              ? posix.join(resolved, 'index')
              : undefined;
      if (name === undefined) {
        if (!files.has(resolved)) broken.push({ page, line, href, reason: `no page or file ${resolved}` });
        continue;
      }
      const target = pages.get(name);
      if (!target) broken.push({ page, line, href, reason: `no page ${name}.md` });
      else if (fragment && !target.ids.has(decodeURIComponent(fragment)))
        broken.push({ page, line, href, reason: `no heading with id "${fragment}" in ${name}.md` });
    }
  }
  return broken;
}
