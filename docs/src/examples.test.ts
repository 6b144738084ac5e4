// Every ts block of every page runs, each page as one program in a fresh working directory and a fresh module
// registry, prints exactly what the page's output blocks show (normalised as output.ts describes), and writes
// exactly the figure files the page shows.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { expect, test, vi } from 'vitest';
import { resolveExpected } from './output.js';
import { PAGES, PAGES_DIR, pageLabel, pagePath } from './pages.js';
import { runPage } from './run-page.js';

const programDir = join(PAGES_DIR, '..', 'generated', 'examples');

test.each(PAGES.map((p) => p.name))('pages/%s.md runs and prints its output blocks', async (name) => {
  vi.resetModules();
  const label = pageLabel(name);
  const path = pagePath(name);
  const run = await runPage(path, {
    programDir,
    label,
    load: (url) => import(/* @vite-ignore */ url),
  });
  for (const { block, printed, figures } of run.blocks) {
    if (block.output) {
      const where = `${label}: output of the ts block at line ${block.line} (expected at line ${block.output.line})`;
      expect(printed, where).toBe(resolveExpected(block.output.text, printed));
    }
    for (const figure of figures) {
      const where = `${label}: figure ${figure.path} of the ts block at line ${block.line}`;
      expect(figure.written, `${where}: expected the block to write ${figure.path}`).toBeDefined();
      const shown = await readFile(resolve(dirname(path), figure.path), 'utf8').catch(() => undefined);
      expect(figure.written, `${where} (show-outputs.ts --write updates the file)`).toBe(shown);
    }
  }
});
