import { fileURLToPath } from 'node:url';
import { STORIES260K_DIR } from '@lora/stories260k';
import { Tokenizer } from '@lora/tokenize';
import { describe, expect, test } from 'vitest';
import { promptIds, resolveChatFormat, stopTokenIds } from './chat-setup.js';

const tokenizer = await Tokenizer.fromDir(fileURLToPath(STORIES260K_DIR));

describe('chat setup for stories260K', () => {
  test.each([
    ['llama2', 'llama2'],
    ['chatml', 'chatml'],
    ['model', 'chatml'], // no chat_template: ChatML, as lora train picks
  ] as const)('%s → the %s format', (choice, name) => {
    expect(resolveChatFormat(choice, tokenizer).name).toBe(name);
  });

  test('the prompt starts with BOS once and ends where the answer starts', () => {
    const ids = promptIds(tokenizer, resolveChatFormat('llama2', tokenizer), [
      { role: 'user', content: 'Who?' },
    ]);
    expect(ids[0]).toBe(tokenizer.bosTokenId);
    expect(ids[1]).not.toBe(tokenizer.bosTokenId);
    expect(tokenizer.decode(ids)).toBe('<s> [INST] Who? [/INST]');
  });

  test('answers stop at </s>', () => {
    expect(stopTokenIds([2], tokenizer)).toEqual([2]);
    expect(tokenizer.idToToken(2)).toBe('</s>');
  });
});
