// For page authors: run pages and print what each ts block prints. With --write, the page's existing output
// blocks are replaced by what was printed, and its figure files by what the blocks wrote (review the change before
// keeping it, as with a snapshot update).
//   node --conditions=@lora/source --import tsx docs/src/show-outputs.ts [--write] docs/pages/kernels.md ...
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { PAGES_DIR } from './pages.js';
import { type PageRun, runPage } from './run-page.js';

const programDir = join(import.meta.dirname, '..', 'generated', 'examples');
const write = process.argv.includes('--write');

/** The page with each output block's body replaced by what its ts block printed. */
function withPrintedOutputs(markdown: string, run: PageRun): string {
  const lines = markdown.split('\n');
  const edits = run.blocks
    .filter((b) => b.block.output)
    .map((b) => ({ line: b.block.output!.line, printed: b.printed }))
    .sort((a, b) => b.line - a.line);
  for (const { line, printed } of edits) {
    let end = line;
    while (!/^(`{3,}|~{3,})\s*$/.test(lines[end]!)) end++;
    lines.splice(line, end - line, ...printed.split('\n'));
  }
  return lines.join('\n');
}

for (const arg of process.argv.slice(2).filter((a) => a !== '--write')) {
  const path = resolve(arg);
  const label = `pages/${relative(PAGES_DIR, path).split(sep).join('/')}`;
  const run = await runPage(path, { programDir, label, load: (url) => import(url) });
  for (const { block, printed, figures } of run.blocks) {
    const expected = block.output ? `expected at line ${block.output.line}` : 'no output block';
    process.stdout.write(`--- ${label} block at line ${block.line} (${expected})\n${printed}\n`);
    for (const figure of figures) {
      process.stdout.write(
        `--- figure ${figure.path}: ${figure.written?.length ?? 'not'} characters written\n`,
      );
      if (write && figure.written !== undefined)
        await writeFile(resolve(dirname(path), figure.path), figure.written);
    }
  }
  if (write) await writeFile(path, withPrintedOutputs(await readFile(path, 'utf8'), run));
}
