// Every `lora …` command the pages show is one the CLI takes: a real verb, the verb's own flags, and values in
// their ranges and choices (checked by the CLI's own option resolution; model and data files are the reader's).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { extractBlocks } from './blocks.js';
import { refusal, shellWords, shownCommands } from './cli-commands.js';
import { PAGES, pageLabel, pagePath, PAGES_DIR } from './pages.js';
import { join } from 'node:path';

const root = join(PAGES_DIR, '..', '..');

describe('shownCommands', () => {
  test('finds lora commands in sh blocks, through continuations, chains, env prefixes and launchers', () => {
    const markdown = [
      '```sh',
      'lora train --model m \\',
      '  --lora-r 16   # a comment',
      'npx -y pnpm@10 install && npx -y pnpm@10 -s lora chat',
      'LORA_BACKEND=wasm node apps/cli/bin/lora.js eval --data "a b.jsonl"',
      'git clone x',
      '```',
    ].join('\n');
    expect(shownCommands(extractBlocks(markdown, 'p.md'))).toEqual([
      { line: 2, argv: ['train', '--model', 'm', '--lora-r', '16'] },
      { line: 4, argv: ['chat'] },
      { line: 5, argv: ['eval', '--data', 'a b.jsonl'] },
    ]);
    expect(shellWords(`a 'b c' "d \\" e" f#g # h`)).toEqual(['a', 'b c', 'd " e', 'f#g']);
  });

  test.each([
    [['train', '--lora-rank', '8'], 'unknown option --lora-rank for lora train'],
    [['train', '--lora-r', '0'], '--lora-r: expected an integer in [1, 4096], got "0"'],
    [['chat', '--lr', '1e-4'], 'unknown option --lr for lora chat'],
    [['train', '--no-packing'], '--no-packing is not a flag of lora train'],
    [['trian'], 'unknown verb "trian"'],
    [['train', '--quant', 'int8'], '--quant: expected one of nf4, fp4, none, got "int8"'],
  ])('refuses %j', (argv, message) => {
    expect(refusal(argv, root)).toBe(message);
  });

  test('takes aliases, negations and a verb argument', () => {
    expect(
      refusal(['train', '--learning-rate', '1e-4', '--no-double-quant', '--load-in-4bit'], root),
    ).toBeUndefined();
    expect(refusal(['chat', 'hello there'], root)).toBeUndefined();
  });
});

test.each(PAGES.map((p) => p.name))('pages/%s.md: every lora command is one the CLI takes', (name) => {
  const markdown = readFileSync(pagePath(name), 'utf8');
  const refused = shownCommands(extractBlocks(markdown, pageLabel(name))).flatMap(({ line, argv }) => {
    const why = refusal(argv, root);
    return why === undefined ? [] : [`line ${line}: lora ${argv.join(' ')}: ${why}`];
  });
  expect(refused).toEqual([]);
});
