// Values that would silently change a run are refused where they enter — a YAML key or a flag — with the key or
// flag as written, the config line, the allowed range, and "got null" / "got NaN" for what JSON would blur.
// Each case fails before any model or data is read, so no fixture is needed; `--model absent` makes a value that
// got through fail fast (instead of training the embedded default with it).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from './test-support/capture-io.js';
import { tempDir } from './test-support/temp-dir.js';

const root = tempDir('lora-cli-refused-');
const yaml = (name: string, text: string) => {
  writeFileSync(join(root, name), text);
  return name;
};

async function refused(argv: string[]): Promise<string> {
  const r = await runCli([...argv, ...(argv[0] === 'prepare' ? [] : ['--model', 'absent'])], root);
  expect(r.code, r.out).not.toBe(0);
  const lines = r.err.trimEnd().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^lora( [a-z]+)?: /);
  return lines[0]!;
}

describe('config values: null, ~, NaN, Infinity and absurd magnitudes', () => {
  test.each([
    [
      'null.yml',
      'lr: null\n',
      /null\.yml line 1: lr: expected a number in \(0, 1\), got null \(leave it out for the default 0\.0002\)/,
    ],
    [
      'tilde.yml',
      'model: m\nbatch_size: ~\n',
      /tilde\.yml line 2: batch_size: expected an integer in \[1, 65536\], got null/,
    ],
    [
      'empty.yml',
      'lora_alpha:\n',
      /empty\.yml line 1: lora_alpha: expected a number in \(0, 1000000\), got null/,
    ],
    [
      'huge.yml',
      'epochs: 1e300\n',
      /huge\.yml line 1: epochs: expected a number in \(0, 10000\), got number 1e\+300/,
    ],
    ['nan.yml', 'lr: .nan\n', /nan\.yml line 1: lr: expected a number in \(0, 1\), got NaN/],
    [
      'inf.yml',
      'max_steps: .inf\n',
      /inf\.yml line 1: max_steps: expected an integer in \[1, 10000000\], got Infinity/,
    ],
    ['quant.yml', 'quant: null\n', /quant\.yml line 1: quant: expected one of nf4, fp4, none, got null/],
    [
      'targets.yml',
      'target_modules: ~\n',
      /targets\.yml line 1: target_modules: expected a list .*, got null/,
    ],
    ['seed.yml', 'seed: 4294967296\n', /seed\.yml line 1: seed: expected an integer in \[0, 4294967295\]/],
  ])('%s: %j', async (name, text, message) => {
    expect(await refused(['train', '--config', yaml(name, text)])).toMatch(message);
  });
});

describe('flags: NaN, Infinity and absurd magnitudes, by the flag as written', () => {
  test.each([
    [['train', '--lr', 'NaN'], /--lr: expected a number in \(0, 1\), got NaN$/],
    [['train', '--lora-dropout', 'Infinity'], /--lora-dropout: expected a number in \[0, 1\], got Infinity$/],
    [['train', '--epochs', '1e300'], /--epochs: expected a number in \(0, 10000\), got "1e300"$/],
    [
      ['train', '--max-length', '99999999'],
      /--max-length: expected an integer in \[2, 1048576\], got "99999999"$/,
    ],
    [['train', '--lora-r', '100000'], /--lora-r: expected an integer in \[1, 4096\], got "100000"$/],
    [['train', '--batch-size', '1e9'], /--batch-size: expected an integer in \[1, 65536\], got "1e9"$/],
    [
      ['generate', '--temperature', '-Infinity'],
      /--temperature: expected a number in \[0, 100\], got -Infinity$/,
    ],
    // the libraries' own names (blocksize, sources[0].sample) never reach the user for a flag
    [['quantize', '--block-size', '48'], /--block-size: expected a power of two in \[32, 4096\], got "48"$/],
    [
      ['prepare', '--data', 'x.jsonl', '--sample', '1.5'],
      /--sample: expected a fraction in \(0, 1\) or a count .*, got "1\.5"$/,
    ],
  ])('%j', async (argv, message) => {
    expect(await refused(argv)).toMatch(message);
  });

  test('a prepare config source with a bad sample names the file, line and key', async () => {
    const name = yaml('sources.yml', 'output: out\nsources:\n  - path: a.jsonl\n    sample: 1.5\n');
    expect(await refused(['prepare', '--config', name])).toMatch(
      /sources\.yml line 2: sources\[0\]\.sample: expected a fraction in \(0, 1\) or a count \(an integer >= 1\), got number 1\.5/,
    );
  });
});
