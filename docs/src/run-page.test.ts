import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExampleError, runPage } from './run-page.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lora-docs-run-page-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(markdown: string) {
  const path = join(dir, 'page.md');
  await writeFile(path, markdown);
  return runPage(path, {
    programDir: join(dir, 'programs'),
    label: 'pages/page.md',
    load: (url) => import(/* @vite-ignore */ url),
  });
}

describe('runPage', () => {
  test('runs the blocks in order as one module, capturing what each prints, in a temp working directory', async () => {
    const cwd = process.cwd();
    const result = await run(
      [
        '# P',
        '```ts',
        "import { writeFileSync } from 'node:fs';",
        "const name = 'x.txt';",
        "writeFileSync(name, 'hi');",
        "console.log('cwd', process.cwd());",
        "process.env.LORA_DOCS_PROBE = 'set';",
        '```',
        'prose',
        '```ts',
        "import { readFileSync } from 'node:fs';",
        "console.info(readFileSync(name, 'utf8'), { n: [1, 2] });",
        '```',
      ].join('\n'),
    );
    expect(result.blocks.map((b) => [b.block.line, b.printed])).toEqual([
      [2, 'cwd <cwd>'],
      [10, 'hi { n: [ 1, 2 ] }'],
    ]);
    expect(process.cwd()).toBe(cwd);
    expect(process.env.LORA_DOCS_PROBE).toBeUndefined();
  });

  test('names the page and the line of the block that threw', async () => {
    const markdown = [
      '# P',
      '```ts',
      'console.log(1);',
      '```',
      '',
      '```ts',
      "throw new RangeError('boom');",
      '```',
    ].join('\n');
    const error = await run(markdown).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExampleError);
    expect((error as Error).message).toBe('pages/page.md: the ts block at line 6 threw: boom');
    expect((error as Error).cause).toBeInstanceOf(RangeError);
  });

  test('a page that does not compile is reported with its line numbers', async () => {
    const error = await run(['# P', '', '```ts', 'const = 1;', '```'].join('\n')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExampleError);
    expect((error as Error).message).toMatch(/^pages\/page\.md: the page does not compile or link: /);
    expect((error as Error).message).toMatch(/:4:/); // line 4 of the page
  });

  test('the module written keeps the page lines', async () => {
    await run(['# P', '```ts', 'console.log(2);', '```'].join('\n'));
    const program = await readFile(join(dir, 'programs', 'page.md.mts'), 'utf8');
    expect(program.split('\n')[2]).toBe('console.log(2);');
  });
});
