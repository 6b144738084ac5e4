import { createMarkdownRenderer, disposeMdItInstance } from 'vitepress';
import { describe, expect, test } from 'vitest';
import { markdownOptions } from './markdown.js';
import { PAGES_DIR } from './pages.js';

// VitePress keeps one renderer per process: dispose it so each call gets its own base
const render = async (markdown: string, base = '/') => {
  disposeMdItInstance();
  return (await createMarkdownRenderer(PAGES_DIR, markdownOptions(base), base)).render(markdown, {
    path: `${PAGES_DIR}x.md`,
    relativePath: 'x.md',
  });
};

describe('the site Markdown', () => {
  test('an output block is wrapped for its caption; other blocks are not', async () => {
    const html = await render(
      '```ts\nconsole.log(1);\n```\n\n<!-- output -->\n```text\n1\n```\n\n```text\nplain\n```\n',
    );
    expect(html.match(/<div class="docs-output">/g)).toHaveLength(1);
    expect(html).not.toContain('<!-- output -->');
    const wrapped = html.slice(html.indexOf('<div class="docs-output">'), html.indexOf('plain'));
    expect(wrapped).toMatch(
      /^<div class="docs-output">\n<div class="language-text[\s\S]*>1<\/span>[\s\S]*<\/div><\/div>\n/,
    );
  });

  test('inline code is not a Vue template', async () => {
    expect(await render('`{{` and `}}` are literal braces')).toContain('<code v-pre="">{{</code>');
  });

  test('a link into the web app gets the base and leaves the router alone', async () => {
    const html = await render('[the web app](/demo/) and [a page](/guide/data.md)', '/lora/');
    expect(html).toContain('<a href="/lora/demo/" target="_self">the web app</a>');
    expect(html).toContain('href="/lora/guide/data.html"');
  });

  test('headings get VitePress ids (the ones the API reference links to)', async () => {
    const html = await render('## 3. Cross-entropy, one chunk\n\n### `STORIES260K_FILES`\n');
    expect(html).toContain('id="_3-cross-entropy-one-chunk"');
    expect(html).toContain('id="stories260k-files"');
  });
});

describe('the base path', async () => {
  const { basePath } = await import('../.vitepress/config.js');
  test.each([
    [undefined, '/'],
    ['', '/'],
    ['/', '/'],
    ['lora', '/lora/'],
    ['/lora', '/lora/'], // actions/configure-pages' base_path
    ['/lora/', '/lora/'],
    ['/a/b/', '/a/b/'],
  ])('DOCS_BASE=%j builds under %j', (value, base) => {
    expect(basePath(value)).toBe(base);
  });
});
