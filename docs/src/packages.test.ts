// The overview page states facts about the repository; these tests keep them true: its package table lists
// every package under packages/ with exactly its @lora runtime dependencies, and it shows the root README's
// commands verbatim.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { extractBlocks } from './blocks.js';
import { PAGES_DIR } from './pages.js';

const root = join(PAGES_DIR, '..', '..');
const index = readFileSync(join(PAGES_DIR, 'index.md'), 'utf8');

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
}

const manifests: Manifest[] = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => JSON.parse(readFileSync(join(root, 'packages', d.name, 'package.json'), 'utf8')) as Manifest);

/** `| \`@lora/x\` | what | \`@lora/a\`, \`@lora/b\` |` rows → name → dependency names. */
function packageTable(markdown: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of markdown.split('\n')) {
    const cells = /^\| `(@lora\/[\w-]+)` \|.*\| ([^|]+) \|$/.exec(line);
    if (!cells) continue;
    const deps =
      cells[2]!.trim() === '—' ? [] : [...cells[2]!.matchAll(/`(@lora\/[\w-]+)`/g)].map((m) => m[1]!);
    rows.set(cells[1]!, deps);
  }
  return rows;
}

describe('pages/index.md', () => {
  const table = packageTable(index);

  test('lists every package under packages/', () => {
    expect([...table.keys()].sort()).toEqual(manifests.map((m) => m.name).sort());
  });

  test.each(manifests.map((m) => [m.name, m] as const))(
    '%s: the table shows its @lora dependencies',
    (name, manifest) => {
      const actual = Object.keys(manifest.dependencies ?? {})
        .filter((d) => d.startsWith('@lora/'))
        .sort();
      expect(table.get(name)?.slice().sort(), `the "depends on" cell of ${name} in pages/index.md`).toEqual(
        actual,
      );
    },
  );

  test("shows the root README's commands", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const commands = extractBlocks(readme, 'README.md').filter((b) => b.lang === 'sh');
    expect(commands.length).toBeGreaterThan(0);
    const shown = extractBlocks(index, 'index.md')
      .filter((b) => b.lang === 'sh')
      .map((b) => b.code);
    for (const { code } of commands) expect(shown).toContain(code);
  });
});
