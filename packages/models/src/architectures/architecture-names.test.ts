// Nothing outside packages/models/src/architectures/ tests an architecture's name: every other place reads the spec
// (architectureSpec(config)). This test greps the non-test TypeScript of packages/, apps/ and docs/ and lists file:line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ARCHITECTURES } from './index.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const HERE = fileURLToPath(new URL('./', import.meta.url));
/** model_types this package runs, and those it may run next (a test of them is as wrong) */
const NAMES = [...ARCHITECTURES, 'mistral', 'phi3', 'gemma2'];
const name = `(?:${NAMES.join('|')})`;
const q = `['"\`]`;

/** What counts as testing an architecture's name. */
const RULES: { label: string; re: RegExp }[] = [
  {
    label: 'compares with an architecture name',
    re: new RegExp(`[=!]==?\\s*${q}${name}${q}|${q}${name}${q}\\s*[=!]==?`),
  },
  { label: 'switches on an architecture name', re: new RegExp(`\\bcase\\s+${q}${name}${q}\\s*:`) },
  {
    label: 'compares an architecture or model_type',
    re: /\b(?:architecture|model_type|modelType)\s*[=!]==?|[=!]==?\s*[\w.]*\b(?:architecture|model_type)\b/,
  },
  { label: 'keys a table by architecture name', re: new RegExp(`^\\s*${q}?${name}${q}?\\s*:\\s*[[{]`) },
];

/** `typeof x.modelType === 'string'` checks a value's type, not an architecture */
const withoutTypeofChecks = (line: string) => line.replace(/typeof\s+[\w.?]+\s*[=!]==?\s*['"]\w+['"]/g, '');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (['node_modules', 'dist', 'generated', 'test-support'].includes(entry) || entry.startsWith('.'))
      continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.tsx?$/.test(entry) && !/\.test(-support)?\.tsx?$|\.test\.tsx?$|\.d\.ts$/.test(entry))
      out.push(path);
  }
  return out;
}

/** file:line — rule — the line, for every non-test source line outside architectures/ that a rule matches. */
export function architectureNameTests(files: readonly string[]): string[] {
  const hits: string[] = [];
  for (const file of files) {
    if (file.startsWith(HERE)) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/^\s*(\/\/|\*|\/\*)/.test(line)) return; // comments may name architectures
        const code = withoutTypeofChecks(line);
        for (const rule of RULES)
          if (rule.re.test(code))
            hits.push(
              `${relative(ROOT, file).split(sep).join('/')}:${i + 1} — ${rule.label}: ${line.trim()}`,
            );
      });
  }
  return hits;
}

describe('architecture names', () => {
  test('no source file outside packages/models/src/architectures/ tests an architecture name', () => {
    const files = ['packages', 'apps', 'docs'].flatMap((d) => sourceFiles(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(100);
    expect(architectureNameTests(files)).toEqual([]);
  });

  test.each([
    ["  if (config.architecture === 'gpt2') {", true],
    ["  const act = arch === 'llama' || arch === 'qwen2' ? 'silu' : 'gelu';", true],
    ["    case 'gemma':", true],
    ['  if (options.modelType === spec) return;', true],
    ["  llama: ['q_proj', 'v_proj'],", true],
    ["  model_type: 'llama',", false],
    ["  return typeof raw?.model_type === 'string' ? raw.model_type : undefined;", false],
    ['  const spec = architectureSpec(config);', false],
    ['  fan_in_fan_out: model.adapterDefaults.fanInFanOut,', false],
  ])('the rules flag %j: %s', (line, flagged) => {
    expect(RULES.some((r) => r.re.test(withoutTypeofChecks(line)))).toBe(flagged);
  });
});
