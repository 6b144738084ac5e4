import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer, trainByteLevelBpe } from '@lora/tokenize';
import { afterAll, describe, expect, test } from 'vitest';
import { DatasetError } from './errors.js';
import type { SftExample } from './examples.js';
import { createConverter, type LoadStats, loadDataset, parseDataset, streamExamples } from './load.js';
import { tokenizeDataset } from './tokenize.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-datasets-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function jsonl(name: string, rows: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

describe('loadDataset', () => {
  test('detects the format from the first record and keeps every location', async () => {
    const path = jsonl('alpaca.jsonl', [
      { instruction: 'a', input: '', output: 'A' },
      { instruction: 'b', output: 'B' },
    ]);
    const loaded = await loadDataset(path);
    expect(loaded.format).toBe('alpaca');
    expect(loaded.examples.map((e) => [e.format === 'alpaca' && e.output, e.where?.line])).toEqual([
      ['A', 1],
      ['B', 2],
    ]);
    expect(loaded.stats).toEqual({ file: path, format: 'alpaca', records: 2, examples: 2, skipped: [] });
  });

  test('a later record that does not fit the detected format is an error naming its line', async () => {
    const path = jsonl('mixed.jsonl', [
      { instruction: 'a', output: 'A' },
      { instruction: 'b', output: 'B' },
      { text: 'c' },
    ]);
    await expect(loadDataset(path)).rejects.toThrow(
      `${path} line 3: missing field "instruction" for format alpaca`,
    );
  });

  test('an explicit format overrides detection', async () => {
    const path = jsonl('both.jsonl', [{ text: 'plain', prompt: 'p', completion: 'c' }]);
    expect((await loadDataset(path)).format).toBe('prompt-completion');
    expect((await loadDataset(path, { format: 'text' })).examples[0]).toMatchObject({
      format: 'text',
      text: 'plain',
    });
  });

  test('a field map renames columns before detection', async () => {
    const path = jsonl('qa.jsonl', [{ question: 'q', answer: 'a' }]);
    const loaded = await loadDataset(path, { fieldMap: { instruction: 'question', output: 'answer' } });
    expect(loaded.examples[0]).toMatchObject({ format: 'alpaca', instruction: 'q', input: '', output: 'a' });
  });

  describe('empty targets', () => {
    const rows = [
      { instruction: 'a', output: 'A' },
      { instruction: 'b', output: '  ' },
      { instruction: 'c', output: 'C' },
      { instruction: 'd', output: '' },
    ];
    test("default 'error' names the line and the ways out", async () => {
      const path = jsonl('empty-error.jsonl', rows);
      await expect(loadDataset(path)).rejects.toThrow(
        `${path} line 2: empty target for format alpaca: expected a non-empty output; pass onEmpty: 'skip' to skip such rows (they are counted) or 'keep' to keep them`,
      );
    });
    test("'skip' counts every skipped row with its location", async () => {
      const path = jsonl('empty-skip.jsonl', rows);
      const loaded = await loadDataset(path, { onEmpty: 'skip' });
      expect(loaded.examples.map((e) => e.where?.line)).toEqual([1, 3]);
      expect(loaded.stats.skipped).toEqual([
        { reason: 'empty target', count: 2, examples: [`${path} line 2`, `${path} line 4`] },
      ]);
      expect(loaded.stats.records).toBe(4);
      expect(loaded.stats.examples).toBe(2);
    });
    test("'keep' keeps them", async () => {
      const path = jsonl('empty-keep.jsonl', rows);
      expect((await loadDataset(path, { onEmpty: 'keep' })).examples).toHaveLength(4);
    });
  });

  test('unnest expands an array field, merging the parent fields, and locates rows inside it', async () => {
    const path = join(dir, 'nested.json');
    writeFileSync(
      path,
      JSON.stringify([
        {
          instruction: 'translate',
          pairs: [
            { input: 'a', output: 'A' },
            { input: 'b', output: 'B' },
          ],
        },
        { instruction: 'none', pairs: [] },
        { instruction: 'upper', pairs: [{ input: 'c', output: 'C', instruction: 'override' }] },
      ]),
    );
    const loaded = await loadDataset(path, { unnest: 'pairs' });
    expect(loaded.examples.map((e) => e.format === 'alpaca' && [e.instruction, e.input, e.output])).toEqual([
      ['translate', 'a', 'A'],
      ['translate', 'b', 'B'],
      ['override', 'c', 'C'],
    ]);
    expect(loaded.examples[1]!.where).toEqual({ file: path, index: 0, path: 'pairs[1]' });
    expect(loaded.stats.records).toBe(3);
    expect(loaded.stats.skipped).toEqual([
      { reason: 'empty pairs (unnest)', count: 1, examples: [`${path} index 1`] },
    ]);
  });

  test('unnest of a non-array is an error naming the record', async () => {
    const path = jsonl('not-nested.jsonl', [{ pairs: 'x' }]);
    await expect(loadDataset(path, { unnest: 'pairs' })).rejects.toThrow(
      `${path} line 1: unnest field "pairs": expected an array, got "x"`,
    );
  });

  test('a template builds messages from any columns', async () => {
    const path = jsonl('tpl.jsonl', [{ source: '子曰', target: '孔子说', n: 3 }]);
    const loaded = await loadDataset(path, {
      template: { system: 'Translate.', user: 'Classical #{n}: {source} {{literal}}', assistant: '{target}' },
    });
    expect(loaded.format).toBe('messages');
    expect(loaded.examples[0]).toMatchObject({
      format: 'messages',
      messages: [
        { role: 'system', content: 'Translate.' },
        { role: 'user', content: 'Classical #3: 子曰 {literal}' },
        { role: 'assistant', content: '孔子说' },
      ],
    });
  });

  test('a template placeholder the record lacks is an error naming the line and field', async () => {
    const path = jsonl('tpl-missing.jsonl', [{ source: 'x', target: 'y' }, { source: 'x' }]);
    await expect(
      loadDataset(path, { template: { user: '{source}', assistant: '{target}' } }),
    ).rejects.toThrow(
      `${path} line 2: template.assistant placeholder {target}: expected a string field "target", got undefined (record keys [source])`,
    );
  });

  test.each([
    [
      { format: 'csv' },
      /format: expected one of text, alpaca, prompt-completion, messages, preference, tokenized, got "csv"/,
    ],
    [{ onEmpty: 'drop' }, /onEmpty: expected 'error', 'skip' or 'keep', got "drop"/],
    [{ template: { user: 'x' } }, /template\.assistant: expected a string, got undefined/],
    [
      { template: { user: '{}', assistant: 'y' } },
      /template\.user: expected \{field\} placeholders, got an empty \{\} at 0/,
    ],
    [
      { template: { user: 'x', assistant: 'y' }, format: 'text' },
      /template: a template builds messages, expected no format or 'messages', got text/,
    ],
    [{ fieldMap: { answer: 'a' } }, /fieldMap: expected keys among/],
  ])('bad options %j are rejected before reading', (options, message) => {
    expect(() => createConverter('x.jsonl', options as never)).toThrow(message);
  });
});

describe('streamExamples and parseDataset', () => {
  test('streaming yields the same examples and reports stats at the end', async () => {
    const path = jsonl('stream.jsonl', [{ text: 'a' }, { text: '' }, { text: 'c' }]);
    let stats: LoadStats | undefined;
    const seen: SftExample[] = [];
    for await (const e of streamExamples(path, { onEmpty: 'skip' }, (s) => {
      stats = s;
    })) {
      seen.push(e);
    }
    expect(seen.map((e) => e.format === 'text' && e.text)).toEqual(['a', 'c']);
    expect(stats?.skipped[0]?.count).toBe(1);
  });

  test('parseDataset works on text in memory', () => {
    const loaded = parseDataset('prompt,completion\nq,"a, b"\n', { file: 'mem.csv', fileType: 'csv' });
    expect(loaded.examples).toEqual([
      { format: 'prompt-completion', prompt: 'q', completion: 'a, b', where: { file: 'mem.csv', line: 2 } },
    ]);
  });

  test('errors keep their class through the stream', async () => {
    const path = join(dir, 'bad-stream.jsonl');
    writeFileSync(path, '{"text":"a"}\nnot json\n');
    const out: unknown[] = [];
    const error = await (async () => {
      for await (const e of streamExamples(path)) out.push(e);
    })().catch((e: unknown) => e);
    expect(out).toHaveLength(1);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).line).toBe(2);
  });
});

describe('pre-tokenized data meets the real tokenizer when it is loaded', () => {
  test('an id past the vocabulary names the file and line before any training step', async () => {
    const trained = trainByteLevelBpe({
      corpus: ['hello world', 'hello there'],
      vocabSize: 300,
      specialTokens: ['</s>'],
      eosToken: '</s>',
    });
    const tokenizer = Tokenizer.fromJSON(trained.tokenizerJson, trained.tokenizerConfig);
    const ok = tokenizer.encode('hello world');
    const path = join(dir, 'pretokenized.jsonl');
    writeFileSync(
      path,
      `${JSON.stringify({ input_ids: ok })}\n${JSON.stringify({ input_ids: [...ok, tokenizer.vocabSize + 5] })}\n`,
    );
    const { examples } = await loadDataset(path);
    const error = (() => {
      try {
        tokenizeDataset(examples, tokenizer);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toBe(
      `${path} line 2: input_ids[${ok.length}]: expected a token id of the tokenizer's vocabulary (${tokenizer.vocabSize} tokens), got ${tokenizer.vocabSize + 5}`,
    );
  });
});
