// Fenced code blocks of a Markdown page, with their line numbers and the expected output and figures that follow
// them.

/** The comment that marks a ```text block as the expected output of the ```ts block right before it. */
export const OUTPUT_MARKER = '<!-- output -->';

/**
 * The comment that marks the image on the next line as a figure the ```ts block before it writes: the block writes
 * a file of the image's name in its working directory, and the page's file (the image's path, relative to the
 * page) must hold exactly what was written.
 */
export const FIGURE_MARKER = '<!-- figure -->';

/** The fence languages whose blocks run. */
export const RUNNABLE_LANGS: ReadonlySet<string> = new Set(['ts']);

export interface ExpectedOutput {
  text: string;
  /** 1-based line of the output block's opening fence */
  line: number;
}

export interface ExpectedFigure {
  /** the image's path as the page links it, relative to the page */
  path: string;
  /** 1-based line of the image */
  line: number;
}

export interface CodeBlock {
  lang: string;
  code: string;
  /** 1-based line of the opening fence; the code starts on the next line */
  line: number;
  /** 1-based line of the closing fence */
  endLine: number;
  output?: ExpectedOutput;
  figures?: ExpectedFigure[];
}

export class PageFormatError extends Error {
  override name = 'PageFormatError';
}

const OPEN = /^(`{3,}|~{3,})\s*([^\s`]*)/;
const IMAGE = /^!\[[^\]]*\]\(([^)\s]+)\)\s*$/;

/**
 * Every fenced block of `markdown`, in order. Fences are recognised at column 0 only (the pages keep them
 * there); an output marker must sit between a ts block and a text block with nothing but blank lines around it; a
 * figure marker follows a ts block (or its output block) and precedes an image line, blank lines around it.
 * Throws PageFormatError naming `file` and the line for an unclosed fence or a misplaced marker.
 */
export function extractBlocks(markdown: string, file: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  const markers: number[] = [];
  const figureMarkers: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === OUTPUT_MARKER) {
      markers.push(i + 1);
      continue;
    }
    if (line.trim() === FIGURE_MARKER) {
      figureMarkers.push(i + 1);
      continue;
    }
    const open = OPEN.exec(line);
    if (!open) continue;
    const fence = open[1]!;
    const close = new RegExp(`^${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end]!)) end++;
    if (end === lines.length) {
      throw new PageFormatError(
        `${file} line ${i + 1}: expected a closing ${fence} for this code block, got end of file`,
      );
    }
    blocks.push({
      lang: open[2] ?? '',
      code: lines.slice(i + 1, end).join('\n'),
      line: i + 1,
      endLine: end + 1,
    });
    i = end;
  }
  for (const marker of markers) attachOutput(blocks, marker, lines, file);
  for (const marker of figureMarkers) attachFigure(blocks, marker, lines, file);
  return blocks;
}

const blankBetween = (lines: readonly string[], from: number, to: number): boolean =>
  lines.slice(from, to).every((l) => l.trim() === '');

function attachOutput(blocks: CodeBlock[], marker: number, lines: readonly string[], file: string): void {
  const blank = (from: number, to: number): boolean => blankBetween(lines, from, to);
  const before = blocks.filter((b) => b.endLine < marker).at(-1);
  const after = blocks.find((b) => b.line > marker);
  const where = `${file} line ${marker}`;
  if (after?.lang !== 'text' || !blank(marker, after.line - 1)) {
    throw new PageFormatError(
      `${where}: expected a \`\`\`text block right after ${OUTPUT_MARKER}, got ${after ? `a ${after.lang || 'plain'} block at line ${after.line}` : 'none'}`,
    );
  }
  const expected = `${where}: expected ${OUTPUT_MARKER} right after a \`\`\`ts block, got`;
  if (!before) throw new PageFormatError(`${expected} no code block before it`);
  if (!RUNNABLE_LANGS.has(before.lang)) {
    throw new PageFormatError(
      `${expected} a ${before.lang || 'plain'} block ending at line ${before.endLine}`,
    );
  }
  if (!blank(before.endLine, marker - 1)) {
    throw new PageFormatError(`${expected} other text after the ts block ending at line ${before.endLine}`);
  }
  if (before.output)
    throw new PageFormatError(`${where}: the ts block at line ${before.line} already has an output block`);
  before.output = { text: after.code, line: after.line };
}

function attachFigure(blocks: CodeBlock[], marker: number, lines: readonly string[], file: string): void {
  const where = `${file} line ${marker}`;
  const previous = blocks.filter((b) => b.endLine < marker).at(-1);
  const owner = previous && blocks.find((b) => b.output?.line === previous.line);
  const block = owner ?? previous;
  if (
    !previous ||
    !block ||
    !RUNNABLE_LANGS.has(block.lang) ||
    !blankBetween(lines, previous.endLine, marker - 1)
  ) {
    throw new PageFormatError(
      `${where}: expected ${FIGURE_MARKER} right after a \`\`\`ts block or its output block, got ${previous ? `other text after line ${previous.endLine}` : 'no code block before it'}`,
    );
  }
  let next = marker;
  while (next < lines.length && lines[next]!.trim() === '') next++;
  const image = IMAGE.exec(lines[next] ?? '');
  if (!image) {
    throw new PageFormatError(
      `${where}: expected an image line ![alt](file) after ${FIGURE_MARKER}, got ${next < lines.length ? JSON.stringify(lines[next]) : 'end of file'}`,
    );
  }
  block.figures = [...(block.figures ?? []), { path: image[1]!, line: next + 1 }];
}

/** Whether `block` is the expected output of a runnable block (shown as output, never run). */
export function isOutputBlock(block: CodeBlock, blocks: readonly CodeBlock[]): boolean {
  return blocks.some((b) => b.output?.line === block.line);
}
