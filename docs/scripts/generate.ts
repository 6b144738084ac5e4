// Writes the generated sections of the site (src/generate.ts) into pages/ before VitePress builds.
// Run from the repository root with the source condition (the package.json scripts do):
//   node --conditions=@lora/source --import tsx docs/scripts/generate.ts [--cli-only]
import { generateReferences } from '../src/generate.js';

try {
  const started = Date.now();
  const { cliPages, apiPackages } = await generateReferences({
    cliOnly: process.argv.includes('--cli-only'),
  });
  console.log(
    `docs: wrote ${cliPages} CLI reference pages and the API reference of ${apiPackages} packages in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} catch (error) {
  console.error(
    process.argv.includes('--debug') ? error : `docs generate failed: ${(error as Error).message}`,
  );
  process.exitCode = 1;
}
