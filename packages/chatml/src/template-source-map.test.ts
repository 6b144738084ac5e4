import { readFileSync } from 'node:fs';
import { parse, tokenize } from '@huggingface/jinja';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { ChatTemplateError } from './errors.js';
import { CompiledTemplate } from './jinja-template.js';
import { bodiesOf, type JinjaNode, type JinjaToken, statementLines } from './template-source-map.js';
import { scanTags } from './template-tags.js';

const JUL_10 = () => new Date(2025, 6, 10, 12);

function linesOf(source: string) {
  const tokens = tokenize(source, { lstrip_blocks: true, trim_blocks: true }) as JinjaToken[];
  const program = parse(tokens) as JinjaNode;
  return { program, lines: statementLines(program, tokens, scanTags(source).tags) };
}

/** Every statement of every body, in source order, with the node's type. */
function statements(node: JinjaNode): JinjaNode[] {
  return bodiesOf(node).flatMap((body) => body.flatMap((s) => [s, ...statements(s)]));
}

describe('statementLines', () => {
  test('each body statement gets the line of its tag; elif is a statement of its own', () => {
    const source = [
      '{%- for m in messages %}', // 1
      '  {%- if m.role == "user" %}', // 2
      '{{ m.content }}', // 3
      '  {%- elif m.role == "system" %}{# sys #}', // 4
      '    {%- set x = 1 %}', // 5
      '  {%- endif %}', // 6
      '{%- endfor %}', // 7
    ].join('\n');
    const { program, lines } = linesOf(source);
    const typed = statements(program).map((s) => [s.type, lines.get(s)]);
    expect(typed).toEqual([
      ['For', 1],
      ['If', 2],
      ['MemberExpression', 3],
      ['If', 4],
      ['Comment', 4],
      ['Set', 5],
    ]);
  });

  test('text between tags has no line of its own; strings holding tag delimiters do not confuse it', () => {
    const { program, lines } = linesOf('a\n{{ \'{%\' ~ "}}" }}\nb\n{{ x }}');
    const typed = statements(program).map((s) => [s.type, lines.get(s)]);
    expect(typed).toEqual([
      ['StringLiteral', undefined],
      ['BinaryExpression', 2],
      ['StringLiteral', undefined],
      ['Identifier', 4],
    ]);
  });
});

describeWithFixtures('real templates line up tag by tag', () => {
  const readJson = (...parts: string[]) => JSON.parse(readFileSync(sharedFixture(...parts), 'utf8'));

  test('every tag statement of every huggingface.js e2e template gets a line', () => {
    const e2e = readJson('chat-templates', 'huggingface.js-jinja-e2e.json').TEST_CUSTOM_TEMPLATES as Record<
      string,
      { chat_template: string }
    >;
    const unplaced: string[] = [];
    for (const [name, entry] of Object.entries(e2e)) {
      const { program, lines } = linesOf(entry.chat_template);
      // Text is a StringLiteral without a tag; everything else, statement or printed expression, has one.
      const missing = statements(program).filter((s) => s.type !== 'StringLiteral' && !lines.has(s));
      if (lines.size === 0 || missing.length > 0) unplaced.push(name);
    }
    expect(unplaced).toEqual([]);
  });

  test('a failure inside the Qwen2.5 template names the line of the loop that failed', () => {
    const source = readJson('qwen2.5-instruct', 'tokenizer_config.json').chat_template as string;
    const expected =
      source.split('\n').findIndex((l) => l.includes('for tool_call in message.tool_calls')) + 1;
    expect(expected).toBeGreaterThan(1);
    const messages = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '', tool_calls: 5 },
    ];
    let error: unknown;
    try {
      new CompiledTemplate('qwen/tokenizer_config.json', source, JUL_10).render({ messages });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChatTemplateError);
    expect((error as ChatTemplateError).line).toBe(expected);
    expect((error as Error).message).toBe(
      `qwen/tokenizer_config.json: chat_template line ${expected}: render failed: ` +
        'Expected iterable or object type in for loop: got integer',
    );
  });
});
