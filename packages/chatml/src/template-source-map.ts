// Source lines for a parsed template. @huggingface/jinja's tokens and AST carry no positions, but each statement
// in a block body comes from one token run in order (text, `{{ }}`, `{% %}` other than else/end tags, `{# #}`), and
// those openers are the tags scanTags finds. Lining the three up gives each body statement its tag's line; when
// anything does not line up the map stays empty rather than name a wrong line.
import type { TemplateTag } from './template-tags.js';

/** The parts of @huggingface/jinja's tokens and AST nodes that are read here. */
export interface JinjaToken {
  type: string;
  value: string;
}
export interface JinjaNode {
  type: string;
}

const NODE_FOR_KEYWORD: Record<string, string> = {
  set: 'Set',
  if: 'If',
  elif: 'If',
  for: 'For',
  macro: 'Macro',
  call: 'CallStatement',
  filter: 'FilterStatement',
  break: 'Break',
  continue: 'Continue',
};

/** Statement node types: everything else in a block body is an expression whose value is written out. */
export const STATEMENT_TYPES: ReadonlySet<string> = new Set([
  ...Object.values(NODE_FOR_KEYWORD),
  'Program',
  'Comment',
]);

/** The statement lists a node holds, in source order. */
export function bodiesOf(node: JinjaNode): JinjaNode[][] {
  const n = node as unknown as Record<string, JinjaNode[]>;
  switch (node.type) {
    case 'Program':
    case 'Set':
    case 'Macro':
    case 'CallStatement':
    case 'FilterStatement':
      return [n.body ?? []];
    case 'If':
      return [n.body ?? [], n.alternate ?? []];
    case 'For':
      return [n.body ?? [], n.defaultBlock ?? []];
    default:
      return [];
  }
}

interface Entry {
  kind: 'text' | 'comment' | 'statement' | 'expression';
  keyword: string;
  line: number | undefined;
}

/** One entry per body statement the tokens produce, with its tag's line; undefined when tokens and tags differ. */
function entriesOf(tokens: readonly JinjaToken[], tags: readonly TemplateTag[]): Entry[] | undefined {
  const entries: Entry[] = [];
  let t = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === 'Text') {
      entries.push({ kind: 'text', keyword: '', line: undefined });
      continue;
    }
    const kind =
      token.type === 'Comment'
        ? 'comment'
        : token.type === 'OpenStatement'
          ? 'statement'
          : token.type === 'OpenExpression'
            ? 'expression'
            : undefined;
    if (kind === undefined) continue;
    const tag = tags[t++];
    if (tag?.kind !== kind) return undefined;
    if (kind === 'statement') {
      const keyword = tokens[i + 1]?.value ?? '';
      if (keyword !== tag.keyword) return undefined;
      if (!(keyword in NODE_FOR_KEYWORD)) continue; // else, endfor, ...: no statement of their own
    }
    entries.push({ kind, keyword: tag.keyword, line: tag.line });
  }
  return t === tags.length ? entries : undefined;
}

function fits(entry: Entry, node: JinjaNode): boolean {
  switch (entry.kind) {
    case 'text':
      return node.type === 'StringLiteral';
    case 'comment':
      return node.type === 'Comment';
    case 'statement':
      return NODE_FOR_KEYWORD[entry.keyword] === node.type;
    case 'expression':
      return !STATEMENT_TYPES.has(node.type);
  }
}

/** The line of each body statement of `program` (text excepted); empty when the tags cannot be lined up. */
export function statementLines(
  program: JinjaNode,
  tokens: readonly JinjaToken[],
  tags: readonly TemplateTag[],
): Map<JinjaNode, number> {
  const lines = new Map<JinjaNode, number>();
  const entries = entriesOf(tokens, tags);
  if (entries === undefined) return lines;
  let next = 0;
  const walk = (node: JinjaNode): boolean => {
    for (const body of bodiesOf(node)) {
      for (const child of body) {
        const entry = entries[next++];
        if (entry === undefined || !fits(entry, child)) return false;
        if (entry.line !== undefined) lines.set(child, entry.line);
        if (!walk(child)) return false;
      }
    }
    return true;
  };
  if (!walk(program) || next !== entries.length) lines.clear();
  return lines;
}

/** The line of the tag holding token `index` (the last tag opened at or before it), if the tags line up. */
export function lineOfToken(
  tokens: readonly JinjaToken[],
  tags: readonly TemplateTag[],
  index: number,
): number | undefined {
  let opened = 0;
  let total = 0;
  for (let i = 0; i < tokens.length; i++) {
    const type = tokens[i]!.type;
    if (type !== 'OpenStatement' && type !== 'OpenExpression' && type !== 'Comment') continue;
    total++;
    if (i <= index) opened = total;
  }
  return opened === 0 || total !== tags.length ? undefined : tags[opened - 1]?.line;
}
