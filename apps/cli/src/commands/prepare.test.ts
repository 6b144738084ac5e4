// lora prepare: sources from a config (paths relative to it, field options per source) → train.jsonl/eval.jsonl,
// byte-identical for the same seed; flags override the config.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDatasets } from '@lora/datasets';
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
