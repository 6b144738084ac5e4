// Where each tag of a jinja template starts, for error messages: @huggingface/jinja keeps no positions, so the tags
// are found again in the source the way its lexer finds them (text up to `{{`, `{%` or `{#`; inside a tag, string
// literals are skipped and `}}` ends an expression only outside `{ }`).

export interface TemplateTag {
  kind: 'statement' | 'expression' | 'comment';
  /** The statement's first word (`for`, `endif`, `set`, ...); '' for expressions and comments. */
  keyword: string;
  /** The tag's text between its delimiters. */
  inner: string;
  /** 1-based line of the tag's opening delimiter. */
  line: number;
}

export interface ScannedTags {
  tags: TemplateTag[];
  /** A tag, string or comment that runs to the end of the source, if any. */
  unterminated?: TemplateTag;
}

/** The tags of `source` in order. */
export function scanTags(source: string): ScannedTags {
  const tags: TemplateTag[] = [];
  let line = 1;
  let at = 0; // source[0..at) has been scanned; `line` is the line of source[at]
  const advance = (to: number) => {
    for (let i = at; i < to; i++) if (source.charCodeAt(i) === 10) line++;
    at = to;
  };
  const opener = /\{[{%#]/g;
  for (;;) {
    opener.lastIndex = at;
    const open = opener.exec(source);
    if (open === null) return { tags };
    advance(open.index);
    const kind = source[at + 1] === '%' ? 'statement' : source[at + 1] === '{' ? 'expression' : 'comment';
    const start = at + 2;
    const tagLine = line;
    const end = kind === 'comment' ? source.indexOf('#}', start) : findClose(source, start, kind);
    const inner = source.slice(start, end < 0 ? source.length : end).replace(/^-|-$/g, '');
    const keyword = kind === 'statement' ? (/^\s*(\w+)/.exec(inner)?.[1] ?? '') : '';
    const tag: TemplateTag = { kind, keyword, inner, line: tagLine };
    if (end < 0) return { tags, unterminated: tag };
    // The library's lexer drops transformers' {% generation %} tags before it tokenizes.
    if (keyword !== 'generation' && keyword !== 'endgeneration') tags.push(tag);
    advance(end + 2);
  }
}

/** Index of the `%}` or `}}` that closes the tag whose body starts at `from`, or -1. */
function findClose(source: string, from: number, kind: 'statement' | 'expression'): number {
  let depth = 0;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === "'" || c === '"') {
      i++;
      while (i < source.length && source[i] !== c) i += source[i] === '\\' ? 2 : 1;
      if (i >= source.length) return -1;
    } else if (c === '{') depth++;
    else if (c === '}') {
      if (kind === 'expression' && depth === 0 && source[i + 1] === '}') return i;
      depth--;
    } else if (c === '%' && kind === 'statement' && source[i + 1] === '}') return i;
  }
  return -1;
}

const BLOCKS: Record<string, string> = {
  for: 'endfor',
  if: 'endif',
  macro: 'endmacro',
  call: 'endcall',
  filter: 'endfilter',
  set: 'endset',
};

/** `{% set x %}` (a block) rather than `{% set x = ... %}`. */
function isBlockSet(tag: TemplateTag): boolean {
  return !/[^=!<>]=(?!=)/.test(tag.inner);
}

/**
 * The first block that is closed by the wrong end tag or never closed, in words with its line, or undefined when
 * every block is balanced.
 */
export function unbalancedBlock(tags: readonly TemplateTag[]): { line: number; message: string } | undefined {
  const open: TemplateTag[] = [];
  for (const tag of tags) {
    if (tag.kind !== 'statement') continue;
    const { keyword } = tag;
    if (keyword in BLOCKS && (keyword !== 'set' || isBlockSet(tag))) {
      open.push(tag);
    } else if (keyword.startsWith('end')) {
      const top = open.pop();
      if (top === undefined) {
        return { line: tag.line, message: `{% ${keyword} %} closes no open block` };
      }
      if (BLOCKS[top.keyword] !== keyword) {
        return {
          line: tag.line,
          message: `expected {% ${BLOCKS[top.keyword]} %} to close the {% ${top.keyword} %} of line ${top.line}, got {% ${keyword} %}`,
        };
      }
    }
  }
  const last = open.pop();
  if (last === undefined) return undefined;
  return {
    line: last.line,
    message: `{% ${last.keyword} %} is never closed: expected {% ${BLOCKS[last.keyword]} %} before the end of the template`,
  };
}
