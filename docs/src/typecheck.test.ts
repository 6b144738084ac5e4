// Every page program type-checks under the repository's strict compiler options (tsconfig.base.json).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { extractBlocks } from './blocks.js';
import { PAGES, PAGES_DIR } from './pages.js';
import { pageProgram } from './program.js';
import { typecheckFiles } from './typecheck.js';

const docsDir = join(PAGES_DIR, '..');
const outDir = join(docsDir, 'generated', 'typecheck');

test('the ts blocks of every page type-check, and a type error would be reported with its page line', async () => {
  await mkdir(outDir, { recursive: true });
  const files = new Map<string, string>(); // program file → page label
  for (const { name } of PAGES) {
    const markdown = await readFile(join(PAGES_DIR, `${name}.md`), 'utf8');
    const file = join(outDir, `${name}.md.mts`);
    await writeFile(file, pageProgram(markdown, extractBlocks(markdown, `pages/${name}.md`)));
    files.set(file, `pages/${name}.md`);
  }
  const probe = join(outDir, 'probe.md.mts'); // a known error, checked in the same program at no extra cost
  await writeFile(probe, "import { kernel } from '@lora/core';\n\nkernel('matmul')({ a: 1 });\n");

  const diagnostics = typecheckFiles([...files.keys(), probe], join(docsDir, '..', 'tsconfig.base.json'));
  const messages = (file: string) =>
    diagnostics.filter((d) => d.file === file).map((d) => `${d.line}: ${d.message}`);
  expect(messages(probe)).toHaveLength(1);
  expect(messages(probe)[0]).toMatch(/^3: /);
  const pageErrors = [...files].flatMap(([file, label]) => messages(file).map((m) => `${label}:${m}`));
  expect(pageErrors).toEqual([]);
}, 120_000);
