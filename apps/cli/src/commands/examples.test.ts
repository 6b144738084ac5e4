// Every config in examples/ runs end to end: the real model folder it names is swapped for a tiny checkpoint of
// the same architecture and the data for the real small dataset of that kind in the shared fixtures (generated
// data of the same shape when they are absent); a few steps each.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture } from '@lora/models';
import { sharedFixturesDir } from '@lora/testing';
import { beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { parse, stringify } from 'yaml';
import { topicClassificationTask } from '@lora/datasets';
import { runCli } from '../test-support/capture-io.js';
import { alpacaRows, writeTinyModel } from '../test-support/tiny-models.js';

const examplesDir = new URL('../../examples/', import.meta.url).pathname;
const root = tempDir('lora-cli-examples-');
const fixtures = sharedFixturesDir();
const topic = alpacaRows(topicClassificationTask({ seed: 5, train: 24, eval: 4 }).train);

type Shape = 'alpaca' | 'cctc' | 'jsonl-instruction';
const generated: Record<Shape, () => string> = {
  alpaca: () => JSON.stringify(topic),
  cctc: () =>
    JSON.stringify([
      { title: '第一章', contents: topic.map((e) => ({ source: e.input, target: e.output })) },
    ]),
  'jsonl-instruction': () => topic.map((e) => JSON.stringify(e)).join('\n'),
};

const EXAMPLES: {
  file: string;
  architecture: Architecture;
  fixture: string[];
  shape: Shape;
  verb?: 'sweep';
  maxLength?: number;
}[] = [
  {
    file: 'qwen2.5-1.5b-qlora-chatml.yml',
    architecture: 'qwen2',
    fixture: ['datasets', 'stanford_alpaca', 'alpaca_5000.json'],
    shape: 'alpaca',
  },
  {
    file: 'classical-chinese-translation.yml',
    architecture: 'qwen2',
    fixture: ['datasets', 'cctc-classical-chinese', 'zhongyong_part2.json'],
    shape: 'cctc',
    maxLength: 256,
  },
  {
    file: 'qwen2-fp32-lora-qv-r64-cpu.yml',
    architecture: 'qwen2',
    fixture: ['datasets', 'llama-factory', 'alpaca_zh_demo.json'],
    shape: 'alpaca',
  },
  {
    file: 'tinyllama-zephyr.yml',
    architecture: 'llama',
    fixture: ['datasets', 'llama-factory', 'alpaca_en_demo.json'],
    shape: 'alpaca',
  },
  {
    file: 'gpt2-domain.yml',
    architecture: 'gpt2',
    fixture: ['datasets', 'huatuo-med-chinese', 'llama_data.jsonl'],
    shape: 'jsonl-instruction',
  },
  {
    file: 'gpt2-domain-sweep.yml',
    architecture: 'gpt2',
    fixture: ['datasets', 'huatuo-med-chinese', 'llama_data.jsonl'],
    shape: 'jsonl-instruction',
    verb: 'sweep',
  },
];

const SHORT = [
  '--max-steps',
  '2',
  '--max-samples',
  '12',
  '--batch-size',
  '2',
  '--grad-accum',
  '1',
  '--max-length',
  '64',
  '--eval-prompts',
  '2',
  '--max-new-tokens',
  '2',
  '--eval-steps',
  '2',
  '--save-steps',
  '2',
  '--logging-steps',
  '1',
];

beforeAll(async () => {
  for (const architecture of ['qwen2', 'llama', 'gpt2'] as const)
    await writeTinyModel(join(root, `tiny-${architecture}`), architecture);
});

describe.each(EXAMPLES)('examples/$file', ({ file, architecture, fixture, shape, verb, maxLength }) => {
  test(`runs on a tiny ${architecture} checkpoint`, async (ctx) => {
    const config = parse(readFileSync(join(examplesDir, file), 'utf8')) as Record<string, unknown>;
    let data = fixtures ? join(fixtures, ...fixture) : undefined;
    if (!data || !existsSync(data)) {
      ctx.annotate?.(`shared fixture ${fixture.join('/')} absent: generated ${shape} data instead`);
      data = join(root, `${file}.${shape === 'jsonl-instruction' ? 'jsonl' : 'json'}`);
      writeFileSync(data, generated[shape]());
    }
    const output = join(root, `out-${file}`);
    let configPath = join(examplesDir, file);
    if (verb === 'sweep') {
      // two trials of the grid keep the test short; every other key is the example's own
      configPath = join(root, file);
      copyFileSync(join(examplesDir, file), configPath);
      writeFileSync(configPath, stringify({ ...config, sweep: { ...(config.sweep as object), trials: 2 } }));
    }
    const argv = [
      verb ?? 'train',
      '--config',
      configPath,
      '--model',
      join(root, `tiny-${architecture}`),
      '--data',
      data,
      '--output',
      output,
      // the example's own --max-length replaces SHORT's (a flag given twice is refused)
      ...(maxLength
        ? SHORT.filter((a, i) => a !== '--max-length' && SHORT[i - 1] !== '--max-length')
        : SHORT),
      ...(maxLength ? ['--max-length', String(maxLength)] : []),
    ];
    const r = await runCli(argv, root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    if (verb === 'sweep') {
      const comparison = JSON.parse(readFileSync(join(output, 'metrics_comparison.json'), 'utf8'));
      expect(comparison.trials).toHaveLength(2);
      expect(comparison.trials.map((t: { status: string }) => t.status)).toEqual(['ok', 'ok']);
      expect(comparison.trials[0].params).toEqual({ lr: 1e-4, lora_r: 8, batch_size: 4 });
      expect(readFileSync(join(output, 'sweep_report.md'), 'utf8')).toContain('## Trade-offs');
      return;
    }
    const adapter = JSON.parse(readFileSync(join(output, 'adapter_config.json'), 'utf8'));
    expect(adapter.r).toBe(config.lora_r);
    expect(adapter.lora_alpha).toBe(config.lora_alpha);
    const targets = config.target_modules === 'all-linear' ? 'all-linear' : config.target_modules;
    if (targets !== 'all-linear')
      expect([...adapter.target_modules].sort()).toEqual([...(targets as string[])].sort());
    const run = JSON.parse(readFileSync(join(output, 'run_config.json'), 'utf8'));
    expect(run.quant).toBe(config.quant);
    expect(run.steps).toBe(2);
  });
});
