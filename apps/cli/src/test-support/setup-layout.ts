// The layout the five fine-tuning setups this project was built from (commands/setup-*.test.ts) run their example
// configs in: a temporary copy of the repository's examples/, models/, data/ and runs/, so each config runs with its
// own relative paths. models/ holds tiny checkpoints that speak the family's REAL tokenizer (the shared fixtures'
// tokenizer.json, the real vocabulary size and special-token ids); data/ gets a small slice of a real dataset. Each
// setup runs a few steps and is checked by the files and numbers it writes, which the helpers here read.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseSafetensors } from '@lora/safetensors';
import { sharedFixture } from '@lora/testing';
import type { Tokenizer } from '@lora/tokenize';
import { expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from './capture-io.js';
import { REAL_FAMILIES, writeRealTokenizerModel } from './real-tokenizer-models.js';
import { tempDir } from './temp-dir.js';

const examplesDir = new URL('../../examples/', import.meta.url).pathname;

/** The model folders the setups' configs name, and the tokenizer family each speaks. */
const SETUP_MODELS = {
  'Qwen2.5-1.5B-Instruct': 'qwen2',
  'Qwen2-0.5B-Instruct': 'qwen2',
  'TinyLlama-1.1B-Chat-v1.0': 'llama',
  gpt2: 'gpt2',
} as const;
export type SetupModel = keyof typeof SETUP_MODELS;

/** A fresh layout in a temporary folder named from `prefix`, and the helpers that run the CLI in it and read it. */
export function setupLayout(prefix: string) {
  const root = tempDir(prefix);
  const at = (...parts: string[]) => resolve(root, ...parts);
  return {
    root,
    at,
    json: (...parts: string[]) => JSON.parse(readFileSync(at(...parts), 'utf8')),
    lines: (...parts: string[]) =>
      readFileSync(at(...parts), 'utf8')
        .trimEnd()
        .split('\n'),
    /** Copy an example into the layout, edited by `edit` (a test-sized sample or sweep) when given. */
    example(file: string, edit?: (config: Record<string, unknown>) => void): string {
      const target = at('examples', file);
      if (!edit) copyFileSync(join(examplesDir, file), target);
      else {
        const config = parse(readFileSync(join(examplesDir, file), 'utf8')) as Record<string, unknown>;
        edit(config);
        writeFileSync(target, stringify(config));
      }
      return join('examples', file);
    },
    /** Run the CLI in the layout's root; a failure shows the command and its stderr. */
    async lora(...argv: string[]) {
      const r = await runCli(argv, root);
      expect(r.code, `lora ${argv.join(' ')}\n${r.err}`).toBe(0);
      return r;
    },
    /** Make the layout's folders and write `model`'s tiny checkpoint; its real tokenizer. */
    async withModel(model: SetupModel): Promise<Tokenizer> {
      for (const dir of ['examples', 'models', 'data', 'runs']) mkdirSync(at(dir), { recursive: true });
      return writeRealTokenizerModel(
        at('models', model),
        sharedFixture(),
        REAL_FAMILIES[SETUP_MODELS[model]],
      );
    },
  };
}

export const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A run folder's checkpoint-N folders, sorted by name. */
export const checkpoints = (run: string) =>
  readdirSync(run)
    .filter((f) => f.startsWith('checkpoint-'))
    .sort();

/** every tensor of a safetensors file: name → shape */
export const shapes = (file: string) => {
  const st = parseSafetensors(readFileSync(file), file);
  return Object.fromEntries(st.tensorNames().map((n) => [n, st.info(n).shape]));
};

export const expectPerplexityOfLoss = (s: { loss: number; perplexity: number }) =>
  expect(s.perplexity).toBeCloseTo(Math.exp(s.loss), 6);
