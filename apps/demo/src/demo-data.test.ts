import { chatFormatFromTokenizerConfig } from '@lora/chatml';
import { beforeAll, describe, expect, test } from 'vitest';
import { TOPIC_LABELS } from '@lora/datasets';
import { type DemoData, SPECIAL_TOKENS, makeDemoData, renderChatml } from './demo-data.js';

let data: DemoData;
beforeAll(() => {
  data = makeDemoData({ seed: 7, train: 64, eval: 16, vocabSize: 512, maxLength: 64 });
});

describe('makeDemoData', () => {
  test('splits are balanced over the labels and every held-out sentence is new', () => {
    expect(data.train).toHaveLength(64);
    expect(data.eval).toHaveLength(16);
    for (const label of TOPIC_LABELS)
      expect(data.dataset.eval.filter((e) => e.label === label)).toHaveLength(4);
    const seen = new Set(data.dataset.train.map((e) => e.sentence));
    expect(data.dataset.eval.some((e) => seen.has(e.sentence))).toBe(false);
    expect(data.evalCases.map((c) => c.expected)).toEqual(data.dataset.eval.map((e) => e.label));
  });

  test('the special tokens are single ids and text round-trips through the trained tokenizer', () => {
    for (const token of SPECIAL_TOKENS) {
      expect(data.tokenizer.encode(token, { addSpecialTokens: false })).toEqual([
        data.tokenizer.tokenToId(token),
      ]);
    }
    const text = renderChatml(data.dataset.eval[0]!.messages, false);
    expect(data.tokenizer.decode(data.tokenizer.encode(text))).toBe(text);
  });

  test("@lora/chatml's builtin ChatML renders exactly as the tokenizer's own chat_template (jinja)", () => {
    const jinja = chatFormatFromTokenizerConfig(data.tokenizerConfig);
    for (const example of data.dataset.eval.slice(0, 4)) {
      const { messages } = example;
      expect(renderChatml(messages, false)).toBe(jinja.render(messages).text);
      expect(renderChatml(messages.slice(0, -1), true)).toBe(
        jinja.render(messages.slice(0, -1), { addGenerationPrompt: true }).text,
      );
    }
  });

  test('the loss is on the answer only: the labelled tokens decode to "<label><|im_end|>\\n"', () => {
    data.train.slice(0, 8).forEach((example, i) => {
      const labelled = example.labels.filter((id) => id !== -100);
      expect(data.tokenizer.decode(labelled)).toBe(`${data.dataset.train[i]!.label}<|im_end|>\n`);
      expect(data.tokenizer.decode(example.inputIds)).toBe(
        renderChatml(data.dataset.train[i]!.messages, false),
      );
    });
  });
});
