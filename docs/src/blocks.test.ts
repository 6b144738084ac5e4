import { readFileSync } from 'node:fs';
import { createMarkdownRenderer } from 'vitepress';
import { describe, expect, test } from 'vitest';
import { extractBlocks, isOutputBlock, PageFormatError } from './blocks.js';
import { markdownOptions } from './markdown.js';
import { PAGES, PAGES_DIR, pageLabel, pagePath } from './pages.js';
import { pageProgram, runnableBlocks } from './program.js';

const page = [
  '# Title', //                 1
  '', //                        2
  '```ts', //                   3
  'const a = 1;', //            4
  '```', //                     5
  '', //                        6
  '<!-- output -->', //         7
  '```text', //                 8
  '1', //                       9
  '```', //                     10
  '', //                        11
  '````sh', //                  12
  '```ts', //                   13  (inside a longer fence: not a block)
  '````', //                    14
  '~~~ts', //                   15
  'console.log(a);', //         16
  '~~~', //                     17
].join('\n');

describe('extractBlocks', () => {
  test('finds fences with their lines, languages and attached output', () => {
    const blocks = extractBlocks(page, 'p.md');
    expect(blocks.map((b) => [b.lang, b.line, b.endLine, b.code])).toEqual([
      ['ts', 3, 5, 'const a = 1;'],
      ['text', 8, 10, '1'],
      ['sh', 12, 14, '```ts'],
      ['ts', 15, 17, 'console.log(a);'],
    ]);
    expect(blocks[0]!.output).toEqual({ text: '1', line: 8 });
    expect(blocks[3]!.output).toBeUndefined();
    expect(blocks.map((b) => isOutputBlock(b, blocks))).toEqual([false, true, false, false]);
  });

  test.each([
    [
      'an unclosed fence',
      '```ts\nconst a = 1;\n',
      'p.md line 1: expected a closing ``` for this code block, got end of file',
    ],
    [
      'a marker before a non-text block',
      '```ts\nx\n```\n<!-- output -->\n```ts\ny\n```',
      'p.md line 4: expected a ```text block right after <!-- output -->, got a ts block at line 5',
    ],
    [
      'a marker after prose',
      '```ts\nx\n```\nsome prose\n<!-- output -->\n```text\n1\n```',
      'p.md line 5: expected <!-- output --> right after a ```ts block, got other text after the ts block ending at line 3',
    ],
    [
      'a marker after a text block',
      '```text\nx\n```\n<!-- output -->\n```text\n1\n```',
      'p.md line 4: expected <!-- output --> right after a ```ts block, got a text block ending at line 3',
    ],
    [
      'a marker before any block',
      '<!-- output -->\n```text\n1\n```',
      'p.md line 1: expected <!-- output --> right after a ```ts block, got no code block before it',
    ],
    [
      'a marker with no block after it',
      '```ts\nx\n```\n<!-- output -->\n',
      'p.md line 4: expected a ```text block right after <!-- output -->, got none',
    ],
    [
      'a figure marker after prose',
      '```ts\nx\n```\nprose\n<!-- figure -->\n![a](a.svg)',
      'p.md line 5: expected <!-- figure --> right after a ```ts block or its output block, got other text after line 3',
    ],
    [
      'a figure marker after a sh block',
      '```sh\nx\n```\n<!-- figure -->\n![a](a.svg)',
      'p.md line 4: expected <!-- figure --> right after a ```ts block or its output block, got other text after line 3',
    ],
    [
      'a figure marker without an image',
      '```ts\nx\n```\n<!-- figure -->\n\nsome text',
      'p.md line 4: expected an image line ![alt](file) after <!-- figure -->, got "some text"',
    ],
  ])('refuses %s', (_, markdown, message) => {
    expect(() => extractBlocks(markdown, 'p.md')).toThrow(new PageFormatError(message));
  });
});

describe('figures', () => {
  test('attach to the ts block before them, also after its output block', () => {
    const markdown = [
      '```ts', //                1
      "writeFileSync('a.svg', svg);", // 2
      '```', //                  3
      '', //                     4
      '<!-- output -->', //      5
      '```text', //              6
      'ok', //                   7
      '```', //                  8
      '', //                     9
      '<!-- figure -->', //      10
      '![A chart](figures/a.svg)', // 11
    ].join('\n');
    const [block] = extractBlocks(markdown, 'p.md');
    expect(block!.output).toEqual({ text: 'ok', line: 6 });
    expect(block!.figures).toEqual([{ path: 'figures/a.svg', line: 11 }]);
  });
});

describe('pageProgram', () => {
  test('keeps every code line on its own line number and blanks the rest', () => {
    const blocks = extractBlocks(page, 'p.md');
    const lines = pageProgram(page, blocks).split('\n');
    expect(lines[3]).toBe('const a = 1;'); // line 4 of the page
    expect(lines[15]).toBe('console.log(a);'); // line 16
    expect(lines[2]).toContain('[0]'); // the fence line of runnable block 0 announces it
    expect(lines[14]).toContain('[1]');
    expect(lines[8]).toBe(''); // output text is not code
    expect(lines[12]).toBe(''); // nor is the sh block's content
  });
});

describe('the real pages', async () => {
  const md = await createMarkdownRenderer(PAGES_DIR, markdownOptions());
  test.each(PAGES.map((p) => p.name))(
    'pages/%s.md: the blocks found are the code blocks the site renders',
    (name) => {
      const markdown = readFileSync(pagePath(name), 'utf8');
      const blocks = extractBlocks(markdown, pageLabel(name));
      // `<<< file` imports are fences too once parsed (marked with their source file): they are shown, not run
      const fenced = md
        .parse(markdown, { path: pagePath(name), relativePath: `${name}.md` })
        .filter((t) => t.type === 'fence' && (t as { src?: unknown }).src === undefined);
      expect(blocks.map((b) => [b.lang, b.code])).toEqual(
        fenced.map((t) => [t.info.trim().split(/\s+/)[0] ?? '', t.content.replace(/\n$/, '')]),
      );
      expect(runnableBlocks(blocks).every((b) => b.lang === 'ts')).toBe(true);
    },
  );
});
