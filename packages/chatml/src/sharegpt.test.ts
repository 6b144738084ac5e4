import { readFileSync } from 'node:fs';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { ChatFormatError } from './errors.js';
import { fromShareGpt, type ShareGptTurn } from './sharegpt.js';
import { validateMessages } from './validate.js';

describe('fromShareGpt', () => {
  test.each([
    ['human', 'user'],
    ['gpt', 'assistant'],
    ['system', 'system'],
    ['chatgpt', 'assistant'],
    ['function_call', 'assistant'],
    ['observation', 'tool'],
    ['user', 'user'],
    ['assistant', 'assistant'],
  ])('%s -> %s', (from, role) => {
    expect(fromShareGpt([{ from, value: 'x' }])).toEqual([{ role, content: 'x' }]);
  });

  test('extra role mappings override the defaults', () => {
    expect(fromShareGpt([{ from: 'doctor', value: 'x' }], { roles: { doctor: 'assistant' } })).toEqual([
      { role: 'assistant', content: 'x' },
    ]);
  });

  test.each([
    [
      [{ from: 'alien', value: 'x' }],
      /^row 7: conversations\[0\]\.from: expected one of system, human, .*, got "alien"$/,
    ],
    [
      [{ from: 'human', value: 'x' }, { from: 'gpt' }],
      /^row 7: conversations\[1\]\.value: expected a string, got undefined$/,
    ],
    [[{ value: 'x' }], /^row 7: conversations\[0\]\.from: expected a string, got undefined$/],
    [[{ from: 'toString', value: 'x' }], /conversations\[0\]\.from: expected one of .*, got "toString"$/],
    ['nope', /^row 7: conversations: expected an array of \{ from, value \}, got string "nope"$/],
  ])('rejects %j', (turns, message) => {
    const run = () => fromShareGpt(turns as ShareGptTurn[], { source: 'row 7' });
    expect(run).toThrow(ChatFormatError);
    expect(run).toThrow(message);
  });
});

describeWithFixtures('fromShareGpt on real ShareGPT data', () => {
  test('MedicalGPT: 1000 human/gpt conversations convert and validate for training', () => {
    const lines = readFileSync(sharedFixture('datasets', 'medicalgpt', 'medical_sft_1K_format.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const conversations = lines.map((line, i) =>
      fromShareGpt(JSON.parse(line).conversations, { source: `medical_sft_1K_format.jsonl:${i + 1}` }),
    );
    expect(conversations).toHaveLength(1000);
    for (const [i, c] of conversations.entries()) validateMessages(c, { source: `line ${i + 1}` });
    expect(conversations.flat().filter((m) => m.role === 'assistant')).toHaveLength(1000);
  });

  test('LLaMA-Factory glaive tool calls: function_call becomes an assistant turn, observation a tool turn', () => {
    const rows = JSON.parse(
      readFileSync(sharedFixture('datasets', 'llama-factory', 'glaive_toolcall_en_demo.json'), 'utf8'),
    ) as { conversations: ShareGptTurn[] }[];
    const messages = rows.flatMap((r, i) => fromShareGpt(r.conversations, { source: `glaive[${i}]` }));
    const count = (role: string) => messages.filter((m) => m.role === role).length;
    // 746 gpt + 211 function_call turns, 211 observations (counted in the file by from).
    expect([count('user'), count('assistant'), count('tool')]).toEqual([746, 957, 211]);
  });
});
