// A page's runnable blocks as one ES module whose line numbers are the page's own, so a stack trace or a
// compile error points at the Markdown line.
import { type CodeBlock, RUNNABLE_LANGS } from './blocks.js';

/** The global function each block calls first, with its index among the runnable blocks. */
export const BLOCK_HOOK = '__loraDocsBlock';

/** The runnable blocks of a page, in order. */
export function runnableBlocks(blocks: readonly CodeBlock[]): CodeBlock[] {
  return blocks.filter((b) => RUNNABLE_LANGS.has(b.lang));
}

/**
 * The module text: every line outside a runnable block is blank, each opening fence line becomes a call to
 * the block hook, and the code keeps its line. Imports anywhere in the page are hoisted, as in any module.
 */
export function pageProgram(markdown: string, blocks: readonly CodeBlock[]): string {
  const lines = markdown.split('\n');
  const out: string[] = lines.map(() => '');
  runnableBlocks(blocks).forEach((block, index) => {
    out[block.line - 1] = `Reflect.apply(Reflect.get(globalThis, '${BLOCK_HOOK}'), undefined, [${index}]);`;
    for (let l = block.line; l < block.endLine - 1; l++) out[l] = lines[l]!;
  });
  return `${out.join('\n')}\nexport {};\n`;
}
