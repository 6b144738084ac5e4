// The generated sections of the site, written into pages/ before VitePress builds (and ignored by git):
//   pages/reference/cli/ — one page per verb from the CLI's option tables (src/cli-reference.ts)
//   pages/reference/api/ — TypeDoc over each published package's entry point (src/api-reference.ts)
// scripts/generate.ts runs this before every build; the site's browser test runs it before its own build.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VERBS } from '../../apps/cli/src/verbs.js';
import { apiApplication, apiPackages, convertApi } from './api-reference.js';
import { cliReferencePages } from './cli-reference.js';
import { PAGES_DIR } from './pages.js';

async function writeCliReference(pagesDir: string): Promise<number> {
  const dir = join(pagesDir, 'reference', 'cli');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const pages = cliReferencePages(VERBS);
  for (const [file, text] of pages) await writeFile(join(dir, file), text);
  const sidebar = VERBS.map((v) => ({ text: `lora ${v.name}`, link: `/reference/cli/${v.name}` }));
  await writeFile(join(dir, 'sidebar.json'), `${JSON.stringify(sidebar, null, 2)}\n`);
  return pages.size;
}

async function writeApiReference(pagesDir: string): Promise<number> {
  const out = join(pagesDir, 'reference', 'api');
  await rm(out, { recursive: true, force: true });
  const packages = apiPackages();
  const app = await apiApplication(packages, { out, docsRoot: pagesDir });
  await app.generateOutputs(await convertApi(app));
  return packages.length;
}

/**
 * Write the CLI reference (and, unless `cliOnly`, the API reference) under `pagesDir`/reference/, replacing what
 * was there. Returns how many CLI pages and API packages it wrote.
 */
export async function generateReferences(
  options: { cliOnly?: boolean; pagesDir?: string } = {},
): Promise<{ cliPages: number; apiPackages: number }> {
  const pagesDir = options.pagesDir ?? PAGES_DIR;
  const cliPages = await writeCliReference(pagesDir);
  const apiPackages = options.cliOnly ? 0 : await writeApiReference(pagesDir);
  return { cliPages, apiPackages };
}
