// lora prepare: sources from a config (paths relative to it, field options per source) → train.jsonl/eval.jsonl,
// byte-identical for the same seed; flags override the config.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDatasets } from '@lora/datasets';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { runCli } from '../test-support/capture-io.js';

const root = tempDir('lora-cli-prepare-');
mkdirSync(join(root, 'conf', 'raw'), { recursive: true });
const qa = Array.from({ length: 30 }, (_, i) => ({ question: `q${i}`, answer: i === 7 ? '' : `a${i}` }));
writeFileSync(join(root, 'conf', 'raw', 'qa.jsonl'), qa.map((r) => JSON.stringify(r)).join('\n'));
const cctc = [
  { title: 'one', contents: Array.from({ length: 12 }, (_, i) => ({ source: `古${i}`, target: `今${i}` })) },
];
writeFileSync(join(root, 'conf', 'raw', 'cctc.json'), JSON.stringify(cctc));
writeFileSync(
  join(root, 'conf', 'prep.yml'),
  [
    'sources:',
    '  - path: raw/qa.jsonl',
    '    format: instruction',
    '    field_map: { instruction: question, output: answer }',
    '    on_empty: skip',
    '  - path: raw/cctc.json',
    '    unnest: contents',
    '    message_template: { user: "翻译：{source}", assistant: "{target}" }',
    '    sample: 6',
    'output: prepared',
    'seed: 3',
    'eval_ratio: 0.2',
    '',
  ].join('\n'),
);

describe('lora prepare', () => {
  test('merges, skips what it says, splits with HF sizes, same seed → same bytes', async () => {
    const r = await runCli(['prepare', '--config', 'conf/prep.yml'], root);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/qa\.jsonl: 30 records, 29 examples as alpaca, 29 used, 1 skipped \(empty target/);
    expect(r.out).toMatch(/cctc\.json: 1 records, 12 examples as messages, 6 used/);
    const train = readFileSync(join(root, 'conf', 'prepared', 'train.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const evals = readFileSync(join(root, 'conf', 'prepared', 'eval.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect([train.length, evals.length]).toEqual([28, 7]); // n = 35, n_eval = ceil(0.2 · 35)
    // the same config through the library gives the same files
    const direct = join(root, 'direct');
    await prepareDatasets({
      sources: [
        {
          path: join(root, 'conf', 'raw', 'qa.jsonl'),
          format: 'alpaca',
          fieldMap: { instruction: 'question', output: 'answer' },
          onEmpty: 'skip',
        },
        {
          path: join(root, 'conf', 'raw', 'cctc.json'),
          unnest: 'contents',
          template: { user: '翻译：{source}', assistant: '{target}' },
          sample: 6,
        },
      ],
      outDir: direct,
      seed: 3,
      evalRatio: 0.2,
    });
    expect(readFileSync(join(direct, 'train.jsonl'), 'utf8')).toBe(`${train.join('\n')}\n`);
  });

  test('a flag overrides the config (seed → a different split)', async () => {
    const r = await runCli(
      ['prepare', '--config', 'conf/prep.yml', '--seed', '4', '--output', 'other'],
      root,
    );
    expect(r.code, r.err).toBe(0);
    const a = readFileSync(join(root, 'conf', 'prepared', 'train.jsonl'), 'utf8');
    const b = readFileSync(join(root, 'other', 'train.jsonl'), 'utf8');
    expect(b).not.toBe(a);
    expect(b.split('\n').length).toBe(a.split('\n').length);
  });

  test('an unknown key in a source names it', async () => {
    writeFileSync(
      join(root, 'conf', 'bad.yml'),
      'sources:\n  - path: raw/qa.jsonl\n    feild_map: {}\noutput: x\n',
    );
    const r = await runCli(['prepare', '--config', 'conf/bad.yml'], root);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'lora: bad.yml line 1: sources[0]: unknown key "feild_map" (did you mean "field_map"?)\n',
    );
  });
});

describeWithFixtures("lora prepare on LLaMA-Factory's identity.json ({{name}} and {{author}})", () => {
  const identity = () => sharedFixture('datasets', 'llama-factory', 'identity.json');

  test('without values it refuses, naming the file, line and placeholder, and writes nothing', async () => {
    const r = await runCli(['prepare', '--data', identity(), '--output', 'identity-none'], root);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `lora: ${identity()} line 5: {{name}}: expected a value for this placeholder (--template-vars name=… or template_vars: { name: … } in --config), got none\n`,
    );
    expect(existsSync(join(root, 'identity-none', 'train.jsonl'))).toBe(false);
  });

  test('--template-vars fills every placeholder; the data keeps its 91 records', async () => {
    const r = await runCli(
      [
        'prepare',
        '--data',
        identity(),
        '--output',
        'identity',
        '--template-vars',
        'name=Ada,author=Lovelace Lab',
      ],
      root,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`${identity()}: 91 records, 91 examples as alpaca, 91 used`);
    const text = readFileSync(join(root, 'identity', 'train.jsonl'), 'utf8');
    expect(text).not.toMatch(/\{\{/);
    const rows = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { messages: { content: string }[] });
    expect(rows).toHaveLength(91);
    const answers = rows.map((row) => row.messages.at(-1)!.content);
    expect(answers).toContain(
      'Hello! I am Ada, an AI assistant developed by Lovelace Lab. How can I assist you today?',
    );
  });

  test('template_vars: in a config fills what it names; a placeholder it leaves out is refused by line', async () => {
    writeFileSync(
      join(root, 'conf', 'identity.yml'),
      `data: ${JSON.stringify(identity())}\noutput: identity-half\ntemplate_vars: { name: Ada }\n`,
    );
    const r = await runCli(['prepare', '--config', 'conf/identity.yml'], root);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `^lora: .*identity\\.json line 5: \\{\\{author\\}\\}: expected a value for this placeholder \\(identity\\.yml line 3: template_vars author=…`,
      ),
    );
  });

  test('a malformed --template-vars is refused like any other value', async () => {
    const r = await runCli(
      ['prepare', '--data', identity(), '--output', 'x', '--template-vars', 'name'],
      root,
    );
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'lora: --template-vars: expected name=value pairs (name=value,name=value; in a config also a mapping of names to text), got "name"\n',
    );
  });
});
