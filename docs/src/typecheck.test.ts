// Every page program type-checks under the repository's strict compiler options (tsconfig.base.json), and so does
// the VitePress config (the root tsconfig's globs skip the dot-folder .vitepress/).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { extractBlocks } from './blocks.js';
import { PAGES, PAGES_DIR, pageLabel, pagePath } from './pages.js';
import { pageProgram } from './program.js';
import { moduleFileName } from './run-page.js';
import { typecheckFiles } from './typecheck.js';

const docsDir = join(PAGES_DIR, '..');
const outDir = join(docsDir, 'generated', 'typecheck');

test('the ts blocks of every page type-check, and a type error would be reported with its page line', async () => {
  await mkdir(outDir, { recursive: true });
  const files = new Map<string, string>(); // program file → page label
  for (const { name } of PAGES) {
    const label = pageLabel(name);
    const markdown = await readFile(pagePath(name), 'utf8');
    const file = join(outDir, moduleFileName(label));
    await writeFile(file, pageProgram(markdown, extractBlocks(markdown, label)));
    files.set(file, label);
  }
  const probe = join(outDir, 'probe.md.mts'); // a known error, checked in the same program at no extra cost
  await writeFile(probe, "import { kernel } from '@lora/core';\n\nkernel('matmul')({ a: 1 });\n");

  const site = ['config.ts', 'theme/index.ts'].map((f) => join(docsDir, '.vitepress', f));
  for (const file of site) files.set(file, relative(join(docsDir, '..'), file));
  const diagnostics = typecheckFiles([...files.keys(), probe], join(docsDir, '..', 'tsconfig.base.json'));
  const messages = (file: string) =>
    diagnostics.filter((d) => d.file === file).map((d) => `${d.line}: ${d.message}`);
  expect(messages(probe)).toHaveLength(1);
  expect(messages(probe)[0]).toMatch(/^3: /);
  const pageErrors = [...files].flatMap(([file, label]) => messages(file).map((m) => `${label}:${m}`));
  expect(pageErrors).toEqual([]);
}, 120_000);
