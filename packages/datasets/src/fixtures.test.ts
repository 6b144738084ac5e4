// Every real dataset in ../shared/fixtures/datasets loads with the right format (counts from Python's json module).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { expect, test } from 'vitest';
import { toMessages } from './examples.js';
import { readDatasetInfo } from './llama-factory.js';
import { loadDataset, type SourceOptions } from './load.js';
import { prepareDatasets } from './prepare.js';

const data = (...parts: string[]) => sharedFixture('datasets', ...parts);

describeWithFixtures('real datasets load with the right format', () => {
  test.each<[string, SourceOptions, string, number]>([
    ['llama-factory/alpaca_en_demo.json', {}, 'alpaca', 999],
    ['llama-factory/alpaca_zh_demo.json', {}, 'alpaca', 1000],
    ['llama-factory/identity.json', {}, 'alpaca', 91],
    ['llama-factory/glaive_toolcall_en_demo.json', {}, 'messages', 300],
    ['llama-factory/dpo_zh_demo.json', {}, 'preference', 300],
    ['huatuo-med-chinese/llama_data.jsonl', {}, 'alpaca', 8658],
    ['huatuo-med-chinese/infer.jsonl', {}, 'alpaca', 5],
    ['medicalgpt/medical_sft_1K_format.jsonl', {}, 'messages', 1000],
    ['stanford_alpaca/alpaca_5000.json', { onEmpty: 'skip' }, 'alpaca', 4998],
    ['stanford_alpaca/seed_tasks.jsonl', { unnest: 'instances' }, 'alpaca', 175],
    [
      'cctc-classical-chinese/lunyu_part1.json',
      { unnest: 'contents', fieldMap: { input: 'source', output: 'target' } },
      'alpaca',
      616,
    ],
    [
      'cctc-classical-chinese/zhongyong_part1.json',
      { unnest: 'contents', fieldMap: { input: 'source', output: 'target' } },
      'alpaca',
      129,
    ],
    [
      'cctc-classical-chinese/zhongyong_part2.json',
      { unnest: 'contents', fieldMap: { input: 'source', output: 'target' } },
      'alpaca',
      70,
    ],
  ])('%s', async (file, options, format, count) => {
    const loaded = await loadDataset(data(file), options);
    expect(loaded.format).toBe(format);
    expect(loaded.examples).toHaveLength(count);
    for (const example of loaded.examples) {
      const messages = toMessages(example)!;
      expect(messages.at(-1)?.role).toBe('assistant');
    }
  });

  test('alpaca_5000 has exactly two empty outputs, skipped and located', async () => {
    const loaded = await loadDataset(data('stanford_alpaca/alpaca_5000.json'), { onEmpty: 'skip' });
    expect(loaded.stats.skipped).toHaveLength(1);
    expect(loaded.stats.skipped[0]).toMatchObject({ reason: 'empty target', count: 2 });
    expect(loaded.stats.skipped[0]!.examples.every((where) => / index \d+$/.test(where))).toBe(true);
    await expect(loadDataset(data('stanford_alpaca/alpaca_5000.json'))).rejects.toThrow(
      /index \d+: empty target for format alpaca/,
    );
  });

  test('glaive tool calls keep every turn in order and the tools JSON', async () => {
    const { examples } = await loadDataset(data('llama-factory/glaive_toolcall_en_demo.json'));
    const first = examples[0]!;
    expect(first.format === 'messages' && first.tools?.startsWith('[{"name": "search_recipes"')).toBe(true);
    // speakers human, gpt, human, function_call, observation, gpt, human, gpt (read with Python)
    expect(toMessages(first)!.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'tool',
      'assistant',
      'user',
      'assistant',
    ]);
  });

  test('the DPO demo trains on the chosen reply and keeps its system turns', async () => {
    const { examples } = await loadDataset(data('llama-factory/dpo_zh_demo.json'));
    const withSystem = examples.filter((e) => toMessages(e)![0]!.role === 'system');
    expect(withSystem).toHaveLength(64);
  });

  test('seed tasks: the task instruction joins each instance', async () => {
    const { examples } = await loadDataset(data('stanford_alpaca/seed_tasks.jsonl'), { unnest: 'instances' });
    expect(examples[0]).toMatchObject({
      format: 'alpaca',
      instruction: expect.stringMatching(/^Is there anything I can eat for a breakfast/),
      output: expect.stringMatching(/^Yes, you can have 1 oatmeal banana protein shake/),
      where: { line: 1, path: 'instances[0]' },
    });
  });

  test('CCTC with a template: classical Chinese → modern Chinese conversations', async () => {
    const { examples } = await loadDataset(data('cctc-classical-chinese/lunyu_part1.json'), {
      unnest: 'contents',
      template: { user: '把下面的文言文翻译成现代汉语：\n{source}', assistant: '{target}' },
    });
    expect(examples).toHaveLength(616);
    expect(toMessages(examples[0]!)).toEqual([
      {
        role: 'user',
        content: '把下面的文言文翻译成现代汉语：\n子曰：“为政以德，譬如北辰，居其所而众星共之。”',
      },
      {
        role: 'assistant',
        content:
          '孔子说：“用道德来统治国家的人，就会像北极星一样处在一定的位置，所有的星辰都会环绕在它的周围。”',
      },
    ]);
  });

  test("LLaMA-Factory's dataset_info.json: every entry whose file is here loads as LLaMA-Factory declares", async () => {
    const info = data('llama-factory/dataset_info.json');
    const sources = await readDatasetInfo(info, [
      'identity',
      'alpaca_en_demo',
      'alpaca_zh_demo',
      'glaive_toolcall_en_demo',
      'dpo_zh_demo',
    ]);
    const loaded = await Promise.all(
      sources.map(({ name: _, path, ...options }) => loadDataset(path, options)),
    );
    expect(loaded.map((l) => [l.format, l.examples.length])).toEqual([
      ['alpaca', 91],
      ['alpaca', 999],
      ['alpaca', 1000],
      ['messages', 300],
      ['preference', 300],
    ]);
    await expect(readDatasetInfo(info, ['alpaca_en'])).rejects.toThrow(
      /key "alpaca_en": expected a local file_name, got only the remote "llamafactory\/alpaca_en" \(nothing is downloaded\)/,
    );
  });

  test('prepareDatasets mixes dataset_info sources with a plain file and splits 43,258-style sizes', async () => {
    const info = await readDatasetInfo(data('llama-factory/dataset_info.json'), [
      'identity',
      'glaive_toolcall_en_demo',
    ]);
    const outDir = mkdtempSync(join(tmpdir(), 'lora-datasets-real-'));
    const stats = await prepareDatasets({
      sources: [...info, { path: data('medicalgpt/medical_sft_1K_format.jsonl'), sample: 100 }],
      outDir,
      seed: 1,
      evalRatio: 0.1,
    });
    // 91 + 300 + 100 = 491; ceil(49.1) = 50
    expect([stats.total, stats.train, stats.eval]).toEqual([491, 441, 50]);
    const lines = readFileSync(join(outDir, 'eval.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(50);
    expect(lines.every((l) => Array.isArray(JSON.parse(l).messages))).toBe(true);
    rmSync(outDir, { recursive: true, force: true });
  });
});
