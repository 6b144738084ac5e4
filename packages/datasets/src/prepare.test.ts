import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { writeFilesAtomic } from './atomic-write.js';
import { DatasetError } from './errors.js';
import { loadDataset } from './load.js';
import { prepareDatasets } from './prepare.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-datasets-prepare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const alpaca = write(
  'alpaca.json',
  JSON.stringify(
    Array.from({ length: 30 }, (_, i) => ({
      instruction: `q${i}`,
      input: i % 2 ? 'ctx' : '',
      output: `a${i}`,
    })),
  ),
);
const chat = write(
  'chat.jsonl',
  Array.from({ length: 20 }, (_, i) =>
    JSON.stringify({
      conversations: [
        { from: 'human', value: `hi ${i}` },
        { from: 'gpt', value: i === 3 ? '' : `hello ${i}` },
      ],
    }),
  ).join('\n'),
);
const csv = write(
  'qa.csv',
  'question,answer\n' + Array.from({ length: 10 }, (_, i) => `"Q${i}, really?",A${i}`).join('\n'),
);

const sources = [
  { path: alpaca },
  { path: chat, onEmpty: 'skip' as const, name: 'chat' },
  { path: csv, fieldMap: { instruction: 'question', output: 'answer' }, sample: 0.5 },
];

describe('prepareDatasets', () => {
  test('merges, normalises to messages, splits with HF sizes and reports per-source stats', async () => {
    const outDir = join(dir, 'out-a');
    const stats = await prepareDatasets({ sources, outDir, seed: 7, evalRatio: 0.1 });
    // 30 + 19 (one empty reply skipped) + round(0.5 * 10) = 54; ceil(5.4) = 6 eval
    expect(stats).toMatchObject({ seed: 7, total: 54, train: 48, eval: 6 });
    expect(stats.sources.map((s) => [s.name, s.format, s.records, s.examples, s.used])).toEqual([
      [alpaca, 'alpaca', 30, 30, 30],
      ['chat', 'messages', 20, 19, 19],
      [csv, 'alpaca', 10, 10, 5],
    ]);
    expect(stats.sources[1]!.skipped).toEqual([
      { reason: 'empty target', count: 1, examples: [`${chat} line 4`] },
    ]);

    const train = readFileSync(join(outDir, 'train.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const held = readFileSync(join(outDir, 'eval.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(train).toHaveLength(48);
    expect(held).toHaveLength(6);
    const all = [...train, ...held];
    expect(all.every((r) => Object.keys(r).join() === 'messages')).toBe(true);
    // alpaca input joins the instruction with a newline; ShareGPT roles are mapped
    expect(all).toContainEqual({
      messages: [
        { role: 'user', content: 'q1\nctx' },
        { role: 'assistant', content: 'a1' },
      ],
    });
    expect(all).toContainEqual({
      messages: [
        { role: 'user', content: 'hi 5' },
        { role: 'assistant', content: 'hello 5' },
      ],
    });
    expect(all.filter((r) => r.messages[0].content.startsWith('Q'))).toHaveLength(5);
    // the written files load back as a messages dataset
    expect((await loadDataset(join(outDir, 'train.jsonl'))).format).toBe('messages');
  });

  test('same seed → byte-identical files; another seed → another split', async () => {
    const read = (d: string) => [readFileSync(join(d, 'train.jsonl')), readFileSync(join(d, 'eval.jsonl'))];
    await prepareDatasets({ sources, outDir: join(dir, 's1'), seed: 123, evalSize: 5 });
    await prepareDatasets({ sources, outDir: join(dir, 's1-again'), seed: 123, evalSize: 5 });
    await prepareDatasets({ sources, outDir: join(dir, 's2'), seed: 124, evalSize: 5 });
    const [t1, e1] = read(join(dir, 's1'));
    const [t1b, e1b] = read(join(dir, 's1-again'));
    const [t2, e2] = read(join(dir, 's2'));
    expect(t1!.equals(t1b!)).toBe(true);
    expect(e1!.equals(e1b!)).toBe(true);
    expect(e1!.equals(e2!)).toBe(false);
    expect(t1!.equals(t2!)).toBe(false);
  });

  test('no eval option: only train.jsonl, and a stale eval.jsonl is removed; no temp files remain', async () => {
    const outDir = join(dir, 'no-eval');
    await prepareDatasets({ sources: [{ path: alpaca }], outDir, evalRatio: 0.5 });
    expect(existsSync(join(outDir, 'eval.jsonl'))).toBe(true);
    const stats = await prepareDatasets({ sources: [{ path: alpaca }], outDir });
    expect(stats.files).toEqual({ train: join(outDir, 'train.jsonl') });
    expect(readdirSync(outDir)).toEqual(['train.jsonl']);
  });

  test('text and messages sources cannot be mixed in one file', async () => {
    const text = write('text.jsonl', '{"text":"a"}\n');
    await expect(
      prepareDatasets({ sources: [{ path: alpaca }, { path: text }], outDir: join(dir, 'mix') }),
    ).rejects.toThrow(
      `sources: expected every source to give the same kind of record, got messages from ${alpaca} and text from ${text}`,
    );
  });

  test('bad input fails before anything is written', async () => {
    const outDir = join(dir, 'bad');
    const broken = write('broken.jsonl', '{"text":"a"}\n{"text":\n');
    await expect(prepareDatasets({ sources: [{ path: broken }], outDir })).rejects.toThrow(
      /broken\.jsonl line 2: malformed JSON/,
    );
    expect(existsSync(outDir)).toBe(false);
    await expect(prepareDatasets({ sources: [], outDir })).rejects.toThrow(
      'sources: expected at least one source, got an array of 0',
    );
    await expect(prepareDatasets({ sources: [{ path: alpaca }], outDir, seed: -1 })).rejects.toThrow(
      'seed: expected an integer in [0, 2^32), got number -1',
    );
    await expect(prepareDatasets({ sources: [{ path: alpaca, sample: 2.5 }], outDir })).rejects.toThrow(
      'sources[0].sample: expected a count (integer >= 1) or a fraction in (0, 1), got number 2.5',
    );
  });
});

describe('writeFilesAtomic', () => {
  test('a failed write leaves the old files and no temp files', async () => {
    const d = mkdtempSync(join(tmpdir(), 'lora-datasets-atomic-'));
    writeFileSync(join(d, 'a.jsonl'), 'old\n');
    const error = await writeFilesAtomic([
      { path: join(d, 'a.jsonl'), data: 'new\n' },
      { path: join(d, 'missing-dir', 'b.jsonl'), data: 'new\n' },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toMatch(
      /missing-dir\/b\.jsonl: cannot write the file: expected a writable folder .*missing-dir to write it in, got nothing there \(ENOENT\)$/,
    );
    expect(readFileSync(join(d, 'a.jsonl'), 'utf8')).toBe('old\n');
    expect(readdirSync(d)).toEqual(['a.jsonl']);
    rmSync(d, { recursive: true, force: true });
  });
});
