// Bad input gives one line on stderr (naming the file, line, key or flag) and a non-zero exit code, never a stack.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { runCli } from '../test-support/capture-io.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

const root = tempDir('lora-cli-errors-');
let train = '';

beforeAll(async () => {
  await writeTinyModel(join(root, 'model'), 'qwen2');
  train = (await writeTopicData(join(root, 'data'))).train;
  const good = JSON.stringify({ instruction: 'Say hi', input: '', output: 'hi' });
  writeFileSync(join(root, 'broken.jsonl'), `${good}\n{"instruction": "Say", "output": \n${good}\n`);
  writeFileSync(
    join(root, 'missing-field.jsonl'),
    `${good}\n${JSON.stringify({ instruction: 'x', output: 3 })}\n`,
  );
  writeFileSync(join(root, 'typo.yml'), 'model: model\ndata: data/train.jsonl\nlora_rank: 8\n');
  writeFileSync(join(root, 'badtype.yml'), 'model: model\nlora_r: eight\n');
  writeFileSync(join(root, 'badyaml.yml'), 'model: model\n  lora_r: [8\n');
  writeFileSync(join(root, 'list.yml'), '- model\n- data\n');
});

const base = () => ['train', '--model', 'model', '--data', train, '--output', 'out', '--max-steps', '1'];

const cases: { name: string; argv: () => string[]; message: RegExp }[] = [
  {
    name: 'missing data file',
    argv: () => [...base().slice(0, 3), '--data', 'nope.jsonl', '--output', 'out'],
    message: /nope\.jsonl.*(no such file|ENOENT)/,
  },
  {
    name: 'malformed JSONL line',
    argv: () => [...base().slice(0, 3), '--data', 'broken.jsonl', '--output', 'out'],
    message: /broken\.jsonl line 2/,
  },
  {
    name: 'wrong field type',
    argv: () => [...base().slice(0, 3), '--data', 'missing-field.jsonl', '--output', 'out'],
    message: /missing-field\.jsonl line 2.*output/,
  },
  {
    name: 'missing model folder',
    argv: () => ['train', '--model', 'no-model', '--data', train],
    message: /--model .*no-model: expected a Hugging Face model folder/,
  },
  {
    name: 'unknown config key',
    argv: () => ['train', '--config', 'typo.yml'],
    message: /typo\.yml line 3: unknown key "lora_rank" for lora train \(did you mean "lora_r"\?\)/,
  },
  {
    name: 'config value of the wrong type',
    argv: () => ['train', '--config', 'badtype.yml'],
    message: /badtype\.yml line 2: lora_r: expected an integer in \[1, 4096\], got "eight"/,
  },
  {
    name: 'invalid YAML',
    argv: () => ['train', '--config', 'badyaml.yml'],
    message: /badyaml\.yml line \d+ column \d+: expected valid YAML/,
  },
  {
    name: 'config that is not a mapping',
    argv: () => ['train', '--config', 'list.yml'],
    message: /list\.yml: expected a mapping/,
  },
  {
    name: 'missing config file',
    argv: () => ['train', '--config', 'nope.yml'],
    message: /config .*nope\.yml: expected a readable YAML file, got no such file/,
  },
  {
    name: 'bad flag value',
    argv: () => [...base(), '--lora-r', 'abc'],
    message: /--lora-r: expected an integer in \[1, 4096\], got "abc"/,
  },
  {
    name: 'negative learning rate',
    argv: () => [...base(), '--lr', '-1'],
    message: /--lr: expected a number in \(0, 1\), got "-1"/,
  },
  {
    name: 'bad choice',
    argv: () => [...base(), '--quant', 'nf5'],
    message: /--quant: expected one of nf4, fp4, none, got "nf5"/,
  },
  {
    name: 'unknown flag',
    argv: () => [...base(), '--lora-rank', '8'],
    message: /unknown option '--lora-rank'.*--lora-r/,
  },
  { name: 'unknown verb', argv: () => ['trian'], message: /unknown verb "trian".*did you mean "train"/ },
  {
    name: 'unknown chat template',
    argv: () => [...base(), '--chat-template', 'chatlm'],
    message: /--chat-template: expected model or one of .* got "chatlm" \(did you mean "chatml"\?\)/,
  },
  {
    name: 'eval data and eval split together',
    argv: () => [...base(), '--eval-data', train, '--eval-split', '0.2'],
    message: /--eval-data or --eval-split, got both/,
  },
  {
    name: 'resume without a checkpoint',
    argv: () => [...base().slice(0, 5), '--output', 'fresh', '--max-steps', '1', '--resume'],
    message: /resume: expected a complete checkpoint-N folder/,
  },
  {
    name: 'chat before any training',
    argv: () => ['chat', 'hello'],
    message: /expected --model or --adapter, or a trained embedded default .* run `lora train` first/,
  },
  {
    name: 'eval with an adapter folder that is not one',
    argv: () => ['eval', '--model', 'model', '--adapter', 'data', '--data', train],
    message: /--adapter .*data: expected a PEFT adapter folder/,
  },
];

describe('one-line errors', () => {
  test.each(cases)('$name', async ({ argv, message }) => {
    const r = await runCli(argv(), root);
    expect(r.code).not.toBe(0);
    const lines = r.err.trimEnd().split('\n');
    expect(lines, r.err).toHaveLength(1);
    expect(lines[0]).toMatch(/^lora( [a-z]+)?: /);
    expect(lines[0]).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  test('--debug adds the stack trace', async () => {
    const r = await runCli(
      [...base().slice(0, 3), '--data', 'broken.jsonl', '--output', 'out', '--debug'],
      root,
    );
    expect(r.code).toBe(1);
    expect(r.err.split('\n')[0]).toMatch(/^lora: .*broken\.jsonl line 2/);
    expect(r.err).toMatch(/\n\s+at /);
  });

  test('--help prints the options of a verb and exits 0', async () => {
    const r = await runCli(['train', '--help'], root);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--lora-r <n>');
    expect(r.out).toContain('--target-modules <a,b>');
    expect(r.err).toBe('');
  });
});
