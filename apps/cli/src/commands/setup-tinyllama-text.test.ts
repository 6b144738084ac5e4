// Setup 4: TinyLlama on {"text"} lines in its chat markup, trained on the answers only
// (test-support/setup-layout.ts: the layout, its tiny checkpoint with the real tokenizer, the helpers).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import type { Tokenizer } from '@lora/tokenize';
import { beforeAll, expect, test } from 'vitest';
import { setupLayout } from '../test-support/setup-layout.js';

const layout = setupLayout('lora-cli-setup-tinyllama-text-');
const { at, json, example, lora } = layout;
let tokenizer: Tokenizer;

describeWithFixtures('a fine-tuning setup, on a tiny checkpoint with the real tokenizer', () => {
  beforeAll(async () => {
    tokenizer = await layout.withModel('TinyLlama-1.1B-Chat-v1.0');
  });

  test('4. TinyLlama on {"text"} lines in its chat markup: answers only after "<|assistant|>\\n", 5 prompts before/after', async () => {
    // the classification seed tasks of Stanford Alpaca, written as TinyLlama chat text (long prompts, short answers)
    const texts: string[] = [];
    for (const line of readFileSync(sharedFixture('datasets', 'stanford_alpaca', 'seed_tasks.jsonl'), 'utf8')
      .trim()
      .split('\n')) {
      const task = JSON.parse(line) as {
        instruction: string;
        is_classification: boolean;
        instances: { input: string; output: string }[];
      };
      if (!task.is_classification) continue;
      for (const { input, output } of task.instances)
        texts.push(
          `<|user|>\n${task.instruction}${input ? `\n${input}` : ''}</s>\n<|assistant|>\n${output}</s>`,
        );
    }
    expect(texts).toHaveLength(26);
    writeFileSync(
      at('data', 'tinyllama-chat.jsonl'),
      texts.map((text) => JSON.stringify({ text })).join('\n'),
    );
    const config = example('tinyllama-chat-text.yml');
    const r = await lora(
      ...['train', '--config', config, '--eval-split', '0.2', '--max-steps', '2', '--batch-size', '2'],
      ...['--grad-accum', '1', '--max-new-tokens', '4'],
    );
    const [tokens, trained] =
      /^train \(text data, no chat template\): 20\/20 examples, (\d+) tokens \((\d+) trained\)/m
        .exec(r.out)!
        .slice(1)
        .map(Number);
    const [evalTokens, evalTrained] = /^eval: 6\/6 examples, (\d+) tokens \((\d+) trained\)/m
      .exec(r.out)!
      .slice(1)
      .map(Number);
    // what trains is what follows the template: the whole text's tokens less those of the text up to it
    const template = '<|assistant|>\n';
    let total = 0;
    let answers = 0;
    for (const text of texts) {
      const whole = tokenizer.encode(text).length;
      total += whole;
      answers += whole - tokenizer.encode(text.slice(0, text.indexOf(template) + template.length)).length;
    }
    expect(tokens! + evalTokens!).toBe(total);
    expect(trained! + evalTrained!).toBe(answers);
    expect(trained!).toBeLessThan(tokens! / 10);

    const run = at('runs', 'tinyllama-chat-text');
    const results = json(run, 'eval_results.json');
    expect([results.before.total, results.after.total]).toEqual([5, 5]);
    const report = readFileSync(join(run, 'report.md'), 'utf8');
    const generations = report.slice(report.indexOf('## Generations on held-out prompts'));
    expect(generations.match(/^\*\*\d+\.\*\* <\|user\|>$/gm)).toHaveLength(5);
    for (const part of ['*expected*', '*before*', '*after*']) expect(generations.split(part)).toHaveLength(6);
    // the expected answers are the held-out texts' answers, without the </s> that generation stops before
    const expected = [...generations.matchAll(/\*expected\*\n\n> (.*)\n/g)].map((m) => m[1]!);
    expect(expected).toHaveLength(5);
    for (const answer of expected) {
      expect(answer).not.toContain('</s>');
      expect(texts.some((t) => t.endsWith(`${template}${answer}</s>`))).toBe(true);
    }
  });
});
