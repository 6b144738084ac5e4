// TinyLlama-style `{"text": "<|user|>…<|assistant|>…"}` lines trained on the answers only (TRL's response
// template), with before/after generations of held-out prompts cut at the template.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOPIC_INSTRUCTION, topicClassificationTask } from '@lora/datasets';
import { beforeAll, describe, expect, test } from 'vitest';
import { lastLine, runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';
import { writeTinyModel } from '../test-support/tiny-models.js';

const root = tempDir('lora-text-completion-');
const RESPONSE = '<|assistant|>\n';

beforeAll(async () => {
  await writeTinyModel(join(root, 'model'), 'llama');
  const task = topicClassificationTask({ seed: 5, train: 24, eval: 6 });
  const text = (e: { sentence: string; label: string }) => ({
    text: `<|user|>\n${TOPIC_INSTRUCTION} ${e.sentence}\n${RESPONSE}${e.label}`,
  });
  const jsonl = (rows: { sentence: string; label: string }[]) => rows.map((r) => JSON.stringify(text(r))).join('\n');
  writeFileSync(join(root, 'train.jsonl'), jsonl(task.train));
  writeFileSync(join(root, 'eval.jsonl'), jsonl(task.eval));
});

const train = (extra: string[]) =>
  runCli(
    [
      'train',
      ...['--model', 'model', '--data', 'train.jsonl', '--eval-data', 'eval.jsonl'],
      ...['--max-steps', '2', '--eval-prompts', '5', '--max-new-tokens', '3', ...extra],
    ],
    root,
  );

describe('text data with --response-template', () => {
  test('trains on the answers only and reports 5 held-out prompts before and after', async () => {
    const all = await train(['--output', 'all']);
    const answers = await train(['--output', 'answers', '--response-template', RESPONSE]);
    expect(answers.code, answers.err).toBe(0);
    const trained = (out: string) => {
      const m = /^train \(text data, no chat template\): \d+\/\d+ examples, (\d+) tokens \((\d+) trained\)/m.exec(out);
      expect(m, out).not.toBeNull();
      return { tokens: Number(m![1]), trained: Number(m![2]) };
    };
    const everything = trained(all.out);
    const only = trained(answers.out);
    expect(only.tokens).toBe(everything.tokens);
    expect(everything.trained).toBeGreaterThan(0.9 * everything.tokens); // no template: (nearly) every token trains
    expect(only.trained).toBeLessThan(everything.trained / 4); // the label and its EOS, per example
    expect(all.out).toContain('note: eval_prompts: text data has no prompt/answer split without --response-template');
    expect(answers.out).not.toMatch(/ChatML|chat_template/);
    const results = JSON.parse(readFileSync(join(root, 'answers', 'eval_results.json'), 'utf8'));
    expect(results.after.total).toBe(5);
    const predictions = readFileSync(join(root, 'answers', 'predictions.jsonl'), 'utf8').trim().split('\n');
    expect(predictions.map((l) => Object.keys(JSON.parse(l)))).toEqual(
      Array(5).fill(['index', 'prompt', 'expected', 'before', 'after', 'before_correct', 'after_correct']),
    );
    expect(JSON.parse(predictions[0]!).prompt.endsWith(RESPONSE)).toBe(true);
    const report = readFileSync(join(root, 'answers', 'report.md'), 'utf8');
    expect(report).toContain('## Generations on held-out prompts');
    expect(report).toMatch(/\| chat format +\| none \(text data, trained after "<\\\|assistant\\\|>\\n"\)/);
  });

  test('eval of the run reuses the template and splits prompts the same way', async () => {
    const r = await runCli(['eval', '--adapter', 'answers', '--generate', '--max-new-tokens', '3', '--json'], root);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('settings from the run:');
    expect(r.err).toContain(`response_template ${RESPONSE}`);
    expect(JSON.parse(lastLine(r.out)).total).toBe(6);
  });

  test('a response template on conversational data is refused in one line', async () => {
    writeFileSync(join(root, 'chat.jsonl'), JSON.stringify({ instruction: 'a', output: 'b' }));
    const r = await runCli(
      ['train', '--model', 'model', '--data', 'chat.jsonl', '--output', 'x', '--response-template', 'A:'],
      root,
    );
    expect(r.code).not.toBe(0);
    expect(r.err).toBe(
      'lora: --response-template: expected text data ({"text": …} records), got alpaca data, whose answers the chat format already marks; drop the option\n',
    );
  });
});
