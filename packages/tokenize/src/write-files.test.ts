import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TokenizerWriteError } from './errors.js';
import { Tokenizer } from './tokenizer.js';
import { trainByteLevelBpe } from './train-bpe.js';
import { writeTokenizerFiles } from './write-files.js';

const trained = trainByteLevelBpe({
  corpus: ['a tiny corpus for a tiny tokenizer', 'tiny tokens, tiny merges'],
  vocabSize: 300,
  specialTokens: ['<|endoftext|>', '<|im_end|>'],
  eosToken: '<|im_end|>',
  padToken: '<|endoftext|>',
});

describe('writeTokenizerFiles', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lora-tokenize-write-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('writes both files into a new folder that Tokenizer.fromDir loads back', async () => {
    const target = join(dir, 'nested', 'model');
    const paths = await writeTokenizerFiles(target, trained);
    expect(paths).toEqual([join(target, 'tokenizer.json'), join(target, 'tokenizer_config.json')]);
    expect((await readdir(target)).sort()).toEqual(['tokenizer.json', 'tokenizer_config.json']); // no temp files left
    expect(JSON.parse(await readFile(paths[0] as string, 'utf8'))).toEqual(trained.tokenizerJson);
    const loaded = await Tokenizer.fromDir(target);
    const fresh = Tokenizer.fromJSON(trained.tokenizerJson, trained.tokenizerConfig);
    const text = 'tiny text 🙂<|im_end|>';
    expect(loaded.encode(text)).toEqual(fresh.encode(text));
    expect([loaded.eosToken, loaded.padToken, loaded.vocabSize]).toEqual([
      '<|im_end|>',
      '<|endoftext|>',
      fresh.vocabSize,
    ]);
  });

  test('replaces existing files and writes special_tokens_map.json when given', async () => {
    const target = join(dir, 'replace');
    await writeTokenizerFiles(target, trained);
    await writeTokenizerFiles(target, { ...trained, specialTokensMap: { eos_token: '<|im_end|>' } });
    expect((await readdir(target)).sort()).toEqual([
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
  });

  test('a path that is a file fails cleanly, leaving nothing behind', async () => {
    const blocker = join(dir, 'blocker');
    await writeFile(blocker, 'not a folder');
    await expect(writeTokenizerFiles(join(blocker, 'model'), trained)).rejects.toThrow(TokenizerWriteError);
    await expect(writeTokenizerFiles(blocker, trained)).rejects.toThrow(
      /writeTokenizerFiles: .*blocker: expected a writable folder/,
    );
    expect(await readFile(blocker, 'utf8')).toBe('not a folder');
  });

  test('a non-object is refused before anything is written', async () => {
    const target = join(dir, 'refused');
    await expect(
      writeTokenizerFiles(target, { tokenizerJson: trained.tokenizerJson, tokenizerConfig: null }),
    ).rejects.toThrow(/tokenizer_config\.json: expected a JSON object, got null/);
    await expect(readdir(target)).rejects.toThrow(/ENOENT/);
  });
});
