// The CLI reference lists exactly what `lora <verb> --help` lists: the same flags, the same other names and the
// same defaults, and every config key the verb takes.
import { describe, expect, test } from 'vitest';
import type { CliIo } from '../../apps/cli/src/io.js';
import { knownKeys } from '../../apps/cli/src/resolve-options.js';
import { run } from '../../apps/cli/src/run.js';
import { VERBS } from '../../apps/cli/src/verbs.js';
import { cliReferencePages, rangeOf, verbPage } from './cli-reference.js';

async function help(verb: string): Promise<string> {
  let out = '';
  const io: CliIo = {
    stdout: { write: (t) => void (out += t) },
    stderr: { write: () => undefined },
    stdin: undefined,
    cwd: process.cwd(),
    isTTY: false,
  };
  expect(await run([verb, '--help'], io)).toBe(0);
  return out;
}

/** `--flag` → its help text (the wrapped description joined), for the options `--help` shows. */
function helpOptions(text: string): Map<string, string> {
  const options = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const start = /^ {2}(?:-\w, )?(--[a-z0-9-]+)(?: <[^>]+>)?\s+(.*)$/.exec(line);
    if (start) {
      current = start[1]!;
      options.set(current, start[2]!);
    } else if (current && /^ {4,}\S/.test(line)) {
      options.set(current, `${options.get(current)} ${line.trim()}`);
    } else {
      current = undefined;
    }
  }
  options.delete('--help');
  return options;
}

/** The option rows of a page: first cell's flags and config key, and the rest of the row. */
function pageRows(page: string) {
  return page
    .split('\n')
    .filter((l) => /^\| `(--|[a-z])/.test(l))
    .map((row) => {
      const [names = '', value = '', defaultCell = '', what = ''] = row.slice(2, -2).split(' | ');
      return {
        flags: [...names.matchAll(/`(--[a-z0-9-]+)/g)].map((m) => m[1]!),
        key: /`([a-z0-9_]+):` in a config/.exec(names)?.[1],
        value,
        defaultCell,
        also: [...(/Also: (.*)$/.exec(what)?.[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
      };
    });
}

describe.each(VERBS.map((v) => [v.name, v] as const))('reference/cli/%s.md', (name, verb) => {
  const rows = pageRows(verbPage(verb));

  test('lists the flags of --help, with the same other names and defaults', async () => {
    const shown = helpOptions(await help(name));
    const own = rows.flatMap((r) => r.flags.slice(0, 1));
    expect(own.sort()).toEqual([...shown.keys()].sort());
    for (const row of rows) {
      const spec = verb.options.find(
        (o) => o.key === row.key || (row.key === undefined && row.flags[0] === `--${o.key}`),
      );
      const text = row.flags[0] ? shown.get(row.flags[0]) : undefined;
      if (!text || !spec) continue;
      // --help writes the description, then " (one of …; default: …; also …)"
      expect(text.startsWith(spec.description), `${row.flags[0]}: the description`).toBe(true);
      const suffix = text
        .slice(spec.description.length)
        .trim()
        .replace(/^\(|\)$/g, '');
      const parts = suffix === '' ? [] : suffix.split('; ');
      const also = parts
        .find((p) => p.startsWith('also '))
        ?.slice('also '.length)
        .split(', ')
        .map((a) => a.replace(/ in a config$/, ''));
      expect(row.also, `${row.flags[0]}: the other names`).toEqual(also ?? []);
      const shownDefault = parts.find((p) => p.startsWith('default: '))?.slice('default: '.length);
      expect(row.defaultCell, `${row.flags[0]}: the default`).toBe(
        shownDefault === undefined ? '—' : `\`${shownDefault}\``,
      );
    }
  });

  test('lists every config key the verb takes, and no other', () => {
    const keys = rows.flatMap((r) => (r.key ? [r.key] : []));
    const aliases = rows.flatMap((r) =>
      r.also.map((a) => a.replace(/^--/, '').replace(/:$/, '').replace(/-/g, '_')),
    );
    expect([...keys, ...aliases].sort()).toEqual([...knownKeys(verb, VERBS).own].sort());
  });

  test('shows each number option with its range', () => {
    for (const spec of verb.options.filter((s) => s.type === 'int' || s.type === 'number')) {
      const row = rows.find((r) => r.key === spec.key);
      expect(row?.value, spec.key).toContain(rangeOf(spec).replace(/</g, '&lt;'));
    }
  });
});

test('the index links every verb page', () => {
  const pages = cliReferencePages(VERBS);
  expect([...pages.keys()]).toEqual(['index.md', ...VERBS.map((v) => `${v.name}.md`)]);
  for (const verb of VERBS) expect(pages.get('index.md')).toContain(`](${verb.name}.md)`);
});
