import { describe, expect, test } from 'vitest';
import { ChatTemplateError } from './errors.js';
import { type PrefixRenderer, segmentsByPrefix } from './prefix-segments.js';
import type { ChatMessage } from './types.js';

const messages: ChatMessage[] = [
  { role: 'user', content: 'u1' },
  { role: 'assistant', content: 'a1' },
  { role: 'user', content: 'u2' },
  { role: 'assistant', content: 'a2' },
];

/** A "template" as a plain function: U:content| and A:content|, with "A:" as the generation prompt. */
const turns =
  (suffix: (count: number, agp: boolean) => string = () => ''): PrefixRenderer =>
  (count, agp) =>
    messages
      .slice(0, count)
      .map((m) => `${m.role === 'user' ? 'U' : 'A'}:${m.content}|`)
      .join('') +
    (agp ? 'A:' : '') +
    suffix(count, agp);

describe('segmentsByPrefix', () => {
  test('trains what each assistant message adds after the generation prompt', () => {
    expect(segmentsByPrefix('t', messages, turns(), true).segments).toEqual([
      { text: 'U:u1|A:', train: false },
      { text: 'a1|', train: true },
      { text: 'U:u2|A:', train: false },
      { text: 'a2|', train: true },
      { text: 'A:', train: false },
    ]);
  });

  test.each([
    [
      'a suffix after the last message',
      turns((count, agp) => (agp ? '' : `<end ${count}>`)),
      't: messages[1] (assistant): template is not prefix-stable: messages[0..1] render differently when later messages follow, at char 10: expected "U:u1|A:a1|<end 2>", got "U:u1|A:a1|U:u2|A:a2|<end 4>"',
    ],
    [
      'a generation prompt unlike the assistant header',
      (count: number, agp: boolean) => turns()(count, false) + (agp ? 'B:' : ''),
      't: messages[1] (assistant): the generation prompt is not how the template starts an assistant turn, at char 5: expected "U:u1|B:", got "U:u1|A:a1|"',
    ],
  ])('refuses %s', (_, render, message) => {
    expect(() => segmentsByPrefix('t', messages, render, false)).toThrow(new ChatTemplateError(message));
  });
});
