// Every command that writes refuses an output that is, contains or lies inside one of its inputs, refuses a folder
// holding an earlier run unless --overwrite, and reports a file-system problem with --output as one line.
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

const root = tempDir('lora-cli-output-safety-');

/** A short training run's flags; `flags` replaces or adds flags (`true`: a switch), so none is given twice. */
const train = (output: string, flags: Record<string, string | true> = {}) => {
  const all: Record<string, string | true> = {
    model: 'model',
    data: 'data/train.jsonl',
    output,
    'max-steps': '4',
    'save-steps': '2',
    'batch-size': '4',
    'eval-prompts': '0',
    quant: 'none',
    ...flags,
  };
  return ['train', ...Object.entries(all).flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, v]))];
};
const merge = (output: string, ...extra: string[]) => [
  'merge',
  '--model',
  'model',
  '--adapter',
  'adapter',
  '--output',
  output,
  ...extra,
];
const quantize = (output: string) => ['quantize', '--model', 'model', '--output', output];
const prepare = (data: string, output: string, ...extra: string[]) => [
  'prepare',
  '--data',
  data,
  '--output',
  output,
  '--format',
  'instruction',
  '--eval-size',
  '2',
  ...extra,
];

/** Every file under `dir` with its bytes, to show a refused command changed nothing. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const path = join(dir, name);
    try {
      files.set(name, readFileSync(path).toString('base64'));
    } catch {
      files.set(name, 'folder');
    }
  }
  return files;
}

/** A refusal: exit 1 and exactly one line on stderr, matching `message`. */
function expectRefused(r: { code: number; err: string }, message: string | RegExp): void {
  expect(r.code, r.err).toBe(1);
  expect(r.err.split('\n')).toHaveLength(2); // one line and its newline
  if (typeof message === 'string') expect(r.err).toContain(message);
  else expect(r.err).toMatch(message);
}

beforeAll(async () => {
  await writeTinyModel(join(root, 'model'), 'qwen2');
  await writeTopicData(join(root, 'data'), { train: 24, eval: 8 });
  mkdirSync(join(root, 'raw'));
  writeFileSync(
    join(root, 'raw', 'qa.jsonl'),
    Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({ instruction: `q${i}`, input: '', output: `a${i}` }),
    ).join('\n'),
  );
  symlinkSync(join(root, 'model'), join(root, 'model-link'));
  const r = await runCli(train('adapter'), root);
  expect(r.code, r.err).toBe(0);
});

describe('an output is never one of the inputs, nor holds one, nor lies inside one', () => {
  test.each([
    ['merge into the base model folder', () => merge('model'), 'model', 'got the --model'],
    ['merge into the base through a symbolic link', () => merge('model-link'), 'model', 'got the --model'],
    [
      'merge into a folder inside the base',
      () => merge('model/merged'),
      'model',
      'got a folder inside the --model',
    ],
    ['merge into the adapter folder', () => merge('adapter'), 'adapter', 'got the --adapter'],
    ['quantize into the model folder', () => quantize('model'), 'model', 'got the --model'],
    [
      'quantize into a folder inside the model',
      () => quantize('model/q'),
      'model',
      'got a folder inside the --model',
    ],
    ['train into the base model folder', () => train('model'), 'model', 'got the --model'],
    ['train into the folder of its data', () => train('data'), 'data', 'got a folder that holds the --data'],
    [
      'train into the folder it starts from',
      () => train('adapter', { 'init-adapter': 'adapter' }),
      'adapter',
      'got the --init-adapter',
    ],
    [
      'prepare into the folder of its data',
      () => prepare('raw/qa.jsonl', 'raw'),
      'raw',
      'got a folder that holds the --data',
    ],
    ['prepare over its data file', () => prepare('raw/qa.jsonl', 'raw/qa.jsonl'), 'raw', 'got the --data'],
  ])('%s is refused in one line and changes nothing', async (_, argv, input, found) => {
    const before = snapshot(join(root, input));
    const r = await runCli(argv(), root);
    expectRefused(r, /^lora: --output \S+: expected a folder apart from the command's inputs, got /);
    expect(r.err).toContain(found);
    expect(snapshot(join(root, input))).toEqual(before);
  });
});

describe('an earlier run in --output is refused unless --overwrite', () => {
  test('train: refused naming what is there; the earlier adapter is untouched', async () => {
    const before = snapshot(join(root, 'adapter'));
    const r = await runCli(train('adapter', { lr: '1e-3' }), root);
    expectRefused(
      r,
      `--output ${join(root, 'adapter')}: expected an empty or new folder, got one holding an earlier run (adapter_config.json, adapter_model.safetensors, checkpoint-2, checkpoint-4, … (`,
    );
    expect(r.err).toContain('pass --overwrite to replace it or --resume to continue it');
    expect(snapshot(join(root, 'adapter'))).toEqual(before);
  });

  test('train --overwrite replaces the earlier run: its checkpoints go, the new adapter comes', async () => {
    const r1 = await runCli(train('again'), root);
    expect(r1.code, r1.err).toBe(0);
    const first = readFileSync(join(root, 'again', 'adapter_model.safetensors'));
    const r2 = await runCli(train('again', { overwrite: true, 'max-steps': '3', 'save-steps': '3' }), root);
    expect(r2.code, r2.err).toBe(0);
    expect(r2.out).toContain(`--overwrite: removed the earlier run in ${join(root, 'again')}`);
    expect(readdirSync(join(root, 'again')).filter((n) => n.startsWith('checkpoint-'))).toEqual([
      'checkpoint-3',
    ]);
    expect(readFileSync(join(root, 'again', 'adapter_model.safetensors')).equals(first)).toBe(false);
    const log = readFileSync(join(root, 'again', 'metrics.jsonl'), 'utf8');
    expect(log).not.toContain('"step":4');
  });

  test('--overwrite and --resume together are refused', async () => {
    const r = await runCli(train('adapter', { overwrite: true, resume: true }), root);
    expectRefused(r, 'expected --overwrite (start over) or --resume (continue), got both');
  });

  test('merge: a second merge into the same folder is refused; --overwrite replaces it', async () => {
    expect((await runCli(merge('merged'), root)).code).toBe(0);
    const before = snapshot(join(root, 'merged'));
    const again = await runCli(merge('merged', '--dtype', 'bfloat16'), root);
    expectRefused(again, 'got one holding an earlier run (config.json, model.safetensors, ');
    expect(again.err).toContain('pass --overwrite to replace it');
    expect(snapshot(join(root, 'merged'))).toEqual(before);
    const replaced = await runCli(merge('merged', '--dtype', 'bfloat16', '--overwrite'), root);
    expect(replaced.code, replaced.err).toBe(0);
    expect(JSON.parse(readFileSync(join(root, 'merged', 'config.json'), 'utf8')).torch_dtype).toBe(
      'bfloat16',
    );
  });

  test('prepare: refused over an earlier train.jsonl; --overwrite replaces it', async () => {
    expect((await runCli(prepare('raw/qa.jsonl', 'prepared', '--seed', '1'), root)).code).toBe(0);
    const before = readFileSync(join(root, 'prepared', 'train.jsonl'), 'utf8');
    const again = await runCli(prepare('raw/qa.jsonl', 'prepared', '--seed', '2'), root);
    expectRefused(again, 'got one holding an earlier run (eval.jsonl, train.jsonl)');
    expect(readFileSync(join(root, 'prepared', 'train.jsonl'), 'utf8')).toBe(before);
    const replaced = await runCli(prepare('raw/qa.jsonl', 'prepared', '--seed', '2', '--overwrite'), root);
    expect(replaced.code, replaced.err).toBe(0);
    expect(readFileSync(join(root, 'prepared', 'train.jsonl'), 'utf8')).not.toBe(before);
  });

  test('other files in the folder are no earlier run: they stay and the command writes beside them', async () => {
    mkdirSync(join(root, 'shared'));
    writeFileSync(join(root, 'shared', 'notes.md'), 'mine');
    const r = await runCli(prepare('raw/qa.jsonl', 'shared'), root);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(join(root, 'shared')).sort()).toEqual(['eval.jsonl', 'notes.md', 'train.jsonl']);
  });
});

describe('a file-system problem with --output is one line: what was expected, what was found, the path', () => {
  writeFileSync(join(root, 'a-file'), 'x');
  symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));
  test.each([
    ['train', 'a file', (o: string) => train(o), 'a-file', 'expected a folder, got a file'],
    ['merge', 'a file', (o: string) => merge(o), 'a-file', 'expected a folder, got a file'],
    [
      'prepare',
      'a file',
      (o: string) => prepare('raw/qa.jsonl', o),
      'a-file',
      'expected a folder, got a file',
    ],
    ['quantize', 'a file', (o: string) => quantize(o), 'a-file', 'expected a folder, got a file'],
    [
      'train',
      'a dangling symbolic link',
      (o: string) => train(o),
      'dangling',
      `expected a folder, got a dangling symbolic link to ${join(root, 'nowhere')}`,
    ],
    [
      'prepare',
      'a path through a file',
      (o: string) => prepare('raw/qa.jsonl', o),
      'a-file/out',
      `expected a folder, got a file on the way at ${join(root, 'a-file')}`,
    ],
  ])('%s --output that is %s', async (_, _kind, argv, output, found) => {
    const r = await runCli(argv(output), root);
    expectRefused(r, `lora: --output ${join(root, output)}: ${found}\n`);
    expect(existsSync(join(root, 'nowhere'))).toBe(false);
  });
});
