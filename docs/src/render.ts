// One Markdown page to an HTML fragment with marked: ts blocks highlighted by highlight.js, output blocks shown as
// output, links to other pages (`x.md#part`) pointed at their HTML (`x.html#part`), and ids on headings.
import hljs from 'highlight.js';
import { Marked, type Token, type Tokens } from 'marked';
import { OUTPUT_MARKER } from './blocks.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** GitHub-style heading slug: lower case, letters, digits, spaces and hyphens kept, spaces to hyphens. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/&[a-z]+;|&#\d+;/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .trim()
    .replace(/ /g, '-');
}

/** A link to another page's Markdown, with its fragment, as a link to that page's HTML. */
export function pageHref(href: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('/')) return href;
  return href.replace(/^([^#?]*)\.md(?=$|[#?])/, '$1.html');
}

export interface RenderedPage {
  /** the text of the first level-1 heading */
  title: string;
  html: string;
}

const LANGUAGES: Record<string, string> = { ts: 'typescript', sh: 'bash', json: 'json' };

/** Render one page. */
export function renderMarkdown(markdown: string): RenderedPage {
  const outputs = new WeakSet<Token>();
  const slugs = new Map<string, number>();
  let title = '';
  const marked = new Marked({
    gfm: true,
    renderer: {
      code(token: Tokens.Code): string {
        const language = LANGUAGES[token.lang ?? ''];
        const body = language ? hljs.highlight(token.text, { language }).value : escapeHtml(token.text);
        if (outputs.has(token)) {
          return `<figure class="output"><figcaption>Output</figcaption><pre><code>${body}</code></pre></figure>\n`;
        }
        const lang = escapeHtml(token.lang ?? 'text');
        return `<pre class="code lang-${lang}"><code class="hljs language-${lang}">${body}</code></pre>\n`;
      },
      heading(token: Tokens.Heading): string {
        const inner = this.parser.parseInline(token.tokens);
        const base = slugify(inner) || 'section';
        const seen = slugs.get(base) ?? 0;
        slugs.set(base, seen + 1);
        const id = seen === 0 ? base : `${base}-${seen}`;
        if (token.depth === 1 && !title) title = inner.replace(/<[^>]*>/g, '');
        return `<h${token.depth} id="${id}"><a class="anchor" href="#${id}">${inner}</a></h${token.depth}>\n`;
      },
      link(token: Tokens.Link): string {
        const inner = this.parser.parseInline(token.tokens);
        const titleAttr = token.title ? ` title="${escapeHtml(token.title)}"` : '';
        return `<a href="${escapeHtml(pageHref(token.href))}"${titleAttr}>${inner}</a>`;
      },
    },
  });
  const tokens = marked.lexer(markdown);
  tokens.forEach((token, i) => {
    if (token.type !== 'html' || token.text.trim() !== OUTPUT_MARKER) return;
    const next = tokens.slice(i + 1).find((t) => t.type !== 'space');
    if (next?.type === 'code') outputs.add(next);
  });
  const html = marked.parser(tokens);
  return { title, html };
}
