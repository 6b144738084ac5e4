// pnpm --filter docs build: render pages/*.md to dist/*.html (see site.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PAGES, PAGES_DIR } from './pages.js';
import { buildSite } from './site.js';

const docsDir = join(import.meta.dirname, '..');
try {
  const styleSheet = await readFile(join(import.meta.dirname, 'style.css'), 'utf8');
  const files = await buildSite({
    pagesDir: PAGES_DIR,
    outDir: join(docsDir, 'dist'),
    pages: PAGES,
    styleSheet,
  });
  console.log(
    `docs: wrote ${files.length} files to docs/dist (${files.filter((f) => f.endsWith('.html')).join(', ')})`,
  );
} catch (error) {
  console.error(process.argv.includes('--debug') ? error : `docs build failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
