// How printed output is compared with a page's expected output block.
//
// Normalisation (the same on both sides unless said otherwise):
// - trailing whitespace on each line and trailing blank lines are dropped;
// - the page's temporary working directory, wherever it appears in the printed output, reads `<cwd>`;
// - in the expected block, `<…>` matches any run of characters within one line (for timings and sizes that
//   vary from run to run); the pages use it sparingly and say why where they do.

export const WILDCARD = '<…>';

function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}

/** The printed output with the working directory replaced by `<cwd>` and trailing whitespace dropped. */
export function normaliseActual(text: string, cwds: readonly string[] = []): string {
  let out = text;
  for (const cwd of [...cwds].sort((a, b) => b.length - a.length)) out = out.split(cwd).join('<cwd>');
  return tidy(out);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The expected text to compare with `actual` exactly: each expected line holding `<…>` is replaced by the
 * actual line at the same position when that line matches the pattern, so a mismatch shows as a plain diff.
 */
export function resolveExpected(expected: string, actual: string): string {
  const want = tidy(expected).split('\n');
  const got = actual.split('\n');
  return want
    .map((line, i) => {
      if (!line.includes(WILDCARD)) return line;
      const pattern = new RegExp(`^${line.split(WILDCARD).map(escapeRegExp).join('.*?')}$`);
      const candidate = got[i];
      return candidate !== undefined && pattern.test(candidate) ? candidate : line;
    })
    .join('\n');
}
