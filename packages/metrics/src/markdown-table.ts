// GitHub-flavoured markdown tables: columns padded to equal display width, pipes escaped, numbers right-aligned.
import { MetricsError, show } from './errors.js';
import { displayWidth } from './text-width.js';

/** A column's alignment in `markdownTable`. */
export type Align = 'left' | 'right' | 'center';

/** One column of `markdownTable`: the row property, header, alignment, decimals and cell format. */
export interface ColumnSpec {
  /** property of each row to show */
  key: string;
  /** header text; default the key */
  header?: string;
  /** default: right when every non-empty value is a number, else left */
  align?: Align;
  /** decimals for non-integer numbers; default 4 */
  digits?: number;
  /** custom cell text (escaped afterwards) */
  format?: (value: unknown, row: Readonly<Record<string, unknown>>) => string;
}

/** Default cell text: integers as is, other finite numbers with `digits` decimals, null/undefined empty. */
export function formatCell(value: unknown, digits = 4): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return value.toFixed(digits);
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** Escapes text for one table cell: `|` becomes `\|`, line breaks become `<br>`. */
export function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, '<br>');
}

function pad(text: string, width: number, align: Align): string {
  const gap = width - displayWidth(text);
  if (gap <= 0) return text;
  if (align === 'right') return ' '.repeat(gap) + text;
  if (align === 'center')
    return ' '.repeat(Math.floor(gap / 2)) + text + ' '.repeat(gap - Math.floor(gap / 2));
  return text + ' '.repeat(gap);
}

function rule(width: number, align: Align): string {
  if (align === 'right') return `${'-'.repeat(width - 1)}:`;
  if (align === 'center') return `:${'-'.repeat(width - 2)}:`;
  return `:${'-'.repeat(width - 1)}`;
}

/**
 * Renders rows as a markdown table whose columns line up in a monospace view (CJK counts as two columns).
 * `columns` are keys or `ColumnSpec`s. Returns the lines joined by `\n`, without a trailing newline.
 */
export function markdownTable(
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
  columns: ReadonlyArray<string | ColumnSpec>,
): string {
  if (!Array.isArray(rows))
    throw new MetricsError(`markdownTable rows: expected an array of objects, got ${show(rows)}`);
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new MetricsError(`markdownTable columns: expected at least one column, got ${show(columns)}`);
  }
  const specs = columns.map((c, i): ColumnSpec => {
    const spec = typeof c === 'string' ? { key: c } : c;
    if (!spec || typeof spec.key !== 'string') {
      throw new MetricsError(`markdownTable columns[${i}]: expected a key string or { key }, got ${show(c)}`);
    }
    return spec;
  });
  rows.forEach((row, r) => {
    if (row === null || typeof row !== 'object')
      throw new MetricsError(`markdownTable rows[${r}]: expected an object, got ${show(row)}`);
  });
  const cells = rows.map((row) =>
    specs.map((s) => escapeCell(s.format ? s.format(row[s.key], row) : formatCell(row[s.key], s.digits))),
  );
  const headers = specs.map((s) => escapeCell(s.header ?? s.key));
  const aligns = specs.map((s): Align => {
    if (s.align) return s.align;
    const values = rows.map((row) => row[s.key]).filter((v) => v !== null && v !== undefined && v !== '');
    return values.length > 0 && values.every((v) => typeof v === 'number') ? 'right' : 'left';
  });
  const widths = specs.map((_, j) =>
    Math.max(3, displayWidth(headers[j]!), ...cells.map((row) => displayWidth(row[j]!))),
  );
  const line = (texts: string[]): string =>
    `| ${texts.map((t, j) => pad(t, widths[j]!, aligns[j]!)).join(' | ')} |`;
  return [
    line(headers),
    `| ${widths.map((w, j) => rule(w, aligns[j]!)).join(' | ')} |`,
    ...cells.map(line),
  ].join('\n');
}
