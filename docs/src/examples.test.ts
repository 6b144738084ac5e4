// Every ts block of every page runs, each page as one program in a fresh working directory and a fresh module
// registry, and prints exactly what the page's output blocks show (normalised as output.ts describes).
import { join } from 'node:path';
import { expect, test, vi } from 'vitest';
import { resolveExpected } from './output.js';
import { PAGES, PAGES_DIR } from './pages.js';
import { runPage } from './run-page.js';

const programDir = join(PAGES_DIR, '..', 'generated', 'examples');

test.each(PAGES.map((p) => p.name))('pages/%s.md runs and prints its output blocks', async (name) => {
  vi.resetModules();
  const label = `pages/${name}.md`;
  const run = await runPage(join(PAGES_DIR, `${name}.md`), {
    programDir,
    label,
    load: (url) => import(/* @vite-ignore */ url),
  });
  for (const { block, printed } of run.blocks) {
    if (!block.output) continue;
    const where = `${label}: output of the ts block at line ${block.line} (expected at line ${block.output.line})`;
    expect(printed, where).toBe(resolveExpected(block.output.text, printed));
  }
});
