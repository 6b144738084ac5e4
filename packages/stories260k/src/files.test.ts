import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { STORIES260K_DIR, STORIES260K_FILES, STORIES260K_SHA256, type Stories260kFile } from './index.js';

const names = Object.keys(STORIES260K_FILES) as Stories260kFile[];

describe('the shipped stories260K folder', () => {
  test.each(names)('%s is the file PROVENANCE.md records', async (name) => {
    const bytes = await readFile(fileURLToPath(STORIES260K_FILES[name]));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(STORIES260K_SHA256[name]);
  });

  test('every file lies in STORIES260K_DIR', () => {
    for (const name of names) expect(new URL(name, STORIES260K_DIR).href).toBe(STORIES260K_FILES[name].href);
  });

  test('the config is the 5-layer, 64-wide Llama the provenance describes', async () => {
    const config = JSON.parse(await readFile(fileURLToPath(STORIES260K_FILES['config.json']), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({ model_type: 'llama', hidden_size: 64, num_hidden_layers: 5, vocab_size: 512 });
  });
});
