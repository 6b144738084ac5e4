// A flag given twice is refused by name (commander would keep the last one without a word); a flag that overrides
// the config file is not a repeat.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from './test-support/capture-io.js';
import { tempDir } from './test-support/temp-dir.js';

const root = tempDir('lora-cli-repeated-');

describe('repeated flags', () => {
  test.each([
    [
      ['train', '--lora-r', '4', '--lora-r', '16'],
      '--lora-r: expected it once, got it twice (--lora-r 4, then --lora-r 16)',
    ],
    [
      ['train', '--lora-r=4', '--lora-r', '16'],
      '--lora-r: expected it once, got it twice (--lora-r 4, then --lora-r 16)',
    ],
    [
      ['train', '--shuffle', '--no-shuffle'],
      '--shuffle: expected it once, got it twice (--shuffle, then --no-shuffle)',
    ],
    [
      ['train', '--packing', '--packing'],
      '--packing: expected it once, got it twice (--packing, then --packing)',
    ],
    [
      ['train', '--target-modules', 'q_proj', '--target-modules', 'v_proj'],
      '--target-modules: expected it once, got it twice (--target-modules q_proj, then --target-modules v_proj)',
    ],
    [
      ['generate', '--prompt', 'a', '--seed', '1', '--seed', '2'],
      '--seed: expected it once, got it twice (--seed 1, then --seed 2)',
    ],
  ])('%j is refused', async (argv, message) => {
    const r = await runCli(argv, root);
    expect(r.code).not.toBe(0);
    expect(r.err).toBe(`lora: ${message}; give the value you mean once\n`);
  });

  test('a flag may override the same key of --config (it gets as far as the missing model)', async () => {
    writeFileSync(join(root, 'r.yml'), 'lora_r: 4\nmodel: no-model\ndata: d.jsonl\n');
    const r = await runCli(['train', '--config', 'r.yml', '--lora-r', '16'], root);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/^lora: --model .*no-model: expected a Hugging Face model folder/);
  });
});
