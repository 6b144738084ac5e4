// For page authors: run pages and print what each ts block prints. With --write, the page's existing output
// blocks are replaced by what was printed (review the change before keeping it, as with a snapshot update).
//   node --conditions=@lora/source --import tsx src/show-outputs.ts [--write] pages/kernels.md ...
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
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
  const label = `pages/${basename(arg)}`;
  const run = await runPage(path, { programDir, label, load: (url) => import(url) });
  for (const { block, printed } of run.blocks) {
    const expected = block.output ? `expected at line ${block.output.line}` : 'no output block';
    process.stdout.write(`--- ${label} block at line ${block.line} (${expected})\n${printed}\n`);
  }
  if (write) await writeFile(path, withPrintedOutputs(await readFile(path, 'utf8'), run));
}
