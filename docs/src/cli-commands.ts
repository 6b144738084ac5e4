// The `lora …` commands the pages show, checked against the CLI's own declarations: the verb exists, every flag is
// one of that verb's names, and every value passes the same check the command applies (range, choices, type).
// Files are not read: a page's model and data folders are the reader's.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hasFlag, optionNames } from '../../apps/cli/src/option-names.js';
import { resolveOptions } from '../../apps/cli/src/resolve-options.js';
import { VERBS } from '../../apps/cli/src/verbs.js';
import type { CodeBlock } from './blocks.js';

export interface ShownCommand {
  /** 1-based line in the page where the command starts */
  line: number;
  /** the arguments after `lora` */
  argv: string[];
}

/** Shell words of one command line: quotes removed, `# comment` dropped (a simple POSIX subset; no expansions). */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i]!;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) {
      break;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The ways a page runs the CLI: `lora`, the root script (quiet: no pnpm lines on an error), the binary by path, or pnpm's start script. */
const LAUNCHERS: readonly (readonly string[])[] = [
  ['lora'],
  ['npx', '-y', 'pnpm@10', '-s', 'lora'],
  ['pnpm', '-s', 'lora'],
  ['node', 'apps/cli/bin/lora.js'],
  ['npx', '-y', 'pnpm@10', '--filter', 'cli', 'start'],
  ['pnpm', '--filter', 'cli', 'start'],
];

/** The `lora` commands of a page's sh blocks (continuation lines joined; `&&`-chained commands split). */
export function shownCommands(blocks: readonly CodeBlock[]): ShownCommand[] {
  const commands: ShownCommand[] = [];
  for (const block of blocks.filter((b) => b.lang === 'sh')) {
    const lines = block.code.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const start = i;
      let text = lines[i]!;
      while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]!}`;
      for (const part of text.split(/&&|\|\||;|\|/)) {
        const words = shellWords(part);
        while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) words.shift(); // VAR=value prefixes
        const launcher = LAUNCHERS.find((l) => l.every((w, k) => words[k] === w));
        if (launcher && words.length > launcher.length)
          commands.push({ line: block.line + 1 + start, argv: words.slice(launcher.length) });
      }
    }
  }
  return commands;
}

/**
 * Why the CLI would refuse `argv` before reading any file, or undefined when it takes it. `--config` files are
 * read when they exist under `root` (the example configs), else left out.
 */
export function refusal(argv: readonly string[], root: string): string | undefined {
  const [verbName, ...rest] = argv;
  if (verbName === undefined || verbName === '--help' || verbName === '-h' || verbName === 'help')
    return undefined;
  const verb = VERBS.find((v) => v.name === verbName);
  if (!verb) return `unknown verb "${verbName}"`;
  const names = optionNames(verb.options);
  const flags: [string, unknown][] = [];
  const positional: string[] = [];
  let configPath: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === '--help' || word === '-h') continue;
    if (!word.startsWith('--')) {
      positional.push(word);
      continue;
    }
    const [flag = '', inline] = word.slice(2).split(/=(.*)/s, 2);
    const negated = flag.startsWith('no-');
    const name = (negated ? flag.slice(3) : flag).replace(/-/g, '_');
    const named = names.get(name);
    if (!named || !hasFlag(named)) return `unknown option --${flag} for lora ${verb.name}`;
    const takesValue = named.alias?.convert ? named.alias.boolean !== true : named.spec.type !== 'boolean';
    if (negated && (takesValue || !named.spec.negatable))
      return `--${flag} is not a flag of lora ${verb.name}`;
    let value: unknown = !negated;
    if (takesValue) {
      value = inline ?? rest[++i];
      if (value === undefined) return `--${flag}: expected a value`;
    }
    if (name === 'config') configPath = String(value);
    else flags.push([name, value]);
  }
  if (positional.length > 0 && !verb.args)
    return `lora ${verb.name} takes no arguments, got ${positional.join(' ')}`;
  const config = configPath !== undefined && existsSync(join(root, configPath)) ? configPath : undefined;
  try {
    resolveOptions(verb, VERBS, config, flags, root);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}
