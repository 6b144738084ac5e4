// The generated sections of the site, written into pages/ before VitePress builds (and ignored by git):
//   pages/reference/cli/ — one page per verb from the CLI's option tables (src/cli-reference.ts)
//   pages/reference/api/ — TypeDoc over each published package's entry point (src/api-reference.ts)
// Run from the repository root with the source condition (the package.json scripts do):
//   node --conditions=@lora/source --import tsx docs/scripts/generate.ts [--cli-only]
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VERBS } from '../../apps/cli/src/verbs.js';
import { apiApplication, apiPackages, convertApi } from '../src/api-reference.js';
import { cliReferencePages } from '../src/cli-reference.js';
import { PAGES_DIR } from '../src/pages.js';

async function writeCliReference(): Promise<number> {
  const dir = join(PAGES_DIR, 'reference', 'cli');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const pages = cliReferencePages(VERBS);
  for (const [file, text] of pages) await writeFile(join(dir, file), text);
  const sidebar = VERBS.map((v) => ({ text: `lora ${v.name}`, link: `/reference/cli/${v.name}` }));
  await writeFile(join(dir, 'sidebar.json'), `${JSON.stringify(sidebar, null, 2)}\n`);
  return pages.size;
}

async function writeApiReference(): Promise<number> {
  const out = join(PAGES_DIR, 'reference', 'api');
  await rm(out, { recursive: true, force: true });
  const packages = apiPackages();
  const app = await apiApplication(packages, { out, docsRoot: PAGES_DIR });
  await app.generateOutputs(await convertApi(app));
  return packages.length;
}

try {
  const started = Date.now();
  const cli = await writeCliReference();
  const api = process.argv.includes('--cli-only') ? 0 : await writeApiReference();
  console.log(
    `docs: wrote ${cli} CLI reference pages and the API reference of ${api} packages in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} catch (error) {
  console.error(
    process.argv.includes('--debug') ? error : `docs generate failed: ${(error as Error).message}`,
  );
  process.exitCode = 1;
}
