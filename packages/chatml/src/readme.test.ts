// Keeps the README's Usage output honest: the same calls must print the lines shown under "Output:".
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { expect, test } from 'vitest';
import { checkEndOfTurnSupervision, renderChat } from './index.js';

test('README usage output', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const shown = /Output:\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(shown, 'README has an Output block').toBeDefined();

  const lines: string[] = [];
  const log = (value: unknown) => lines.push(typeof value === 'string' ? value : inspect(value));
  const messages = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Capital of France?' },
    { role: 'assistant', content: 'Paris.' },
  ];
  const rendered = renderChat(messages, 'chatml');
  log(JSON.stringify(rendered.text));
  for (const s of rendered.segments) log(`${s.train ? 'train' : 'skip '} ${JSON.stringify(s.text)}`);
  log(checkEndOfTurnSupervision({ rendered, eosToken: '<|im_end|>', padToken: '<|endoftext|>' }));
  const zephyr = renderChat(messages, 'zephyr');
  log(checkEndOfTurnSupervision({ rendered: zephyr, eosToken: '</s>', padToken: '</s>' }).map((w) => w.code));

  expect(`${lines.join('\n')}\n`).toBe(shown);
});
