// `lora train` with no arguments: writes the story-questions data into <cwd>/runs/default/data and QLoRA-fine-tunes
// the pretrained stories260K (read from its package, never copied), which answers none of the held-out questions
// before and most after; it learns to end an answer with </s>, so `lora chat` then answers in one word and stops.
// (150 steps here to keep the suite short; the full default runs 500.)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile } from '@lora/safetensors';
import { describe, expect, test } from 'vitest';
import { DEFAULT_MODEL_DIR } from '../default-setup.js';
import { runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';

const cwd = tempDir('lora-cli-default-');
const output = join(cwd, 'runs', 'default', 'output');

describe('the embedded default', () => {
  test('lora train: exact match on held-out story questions rises from 0, and the console shows generations', {
    timeout: 120_000,
  }, async () => {
    const r = await runCli(['train', '--max-steps', '150', '--eval-prompts', '32'], cwd);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('default: wrote the story-questions task (4000 train / 64 held-out, seed 7)');
    expect(r.out).toContain('train (messages data, llama2 format): 4000/4000 examples');
    expect(r.out).toMatch(
      /llama, 5 layers, hidden 64; NF4 \+ double quant 4-bit base; trainable params: [\d,]+/,
    );
    expect(r.out).toMatch(
      /held-out prompts \(greedy; expected · before → after\):\n {4}\S.*\?\n {6}"\w+" · ".*" → "\w+"/,
    );
    const results = JSON.parse(readFileSync(join(output, 'eval_results.json'), 'utf8'));
    expect(results.before).toMatchObject({ total: 32, correct: 0 });
    expect(results.after.accuracy).toBeGreaterThanOrEqual(0.6);
    expect(results.after.loss).toBeLessThan(results.before.loss / 10);
    const report = readFileSync(join(output, 'report.md'), 'utf8');
    expect(report).toContain('# Embedded default: story questions on stories260K with QLoRA');
    expect(report).toContain('## Generations on held-out prompts');
    const adapter = JSON.parse(readFileSync(join(output, 'adapter_config.json'), 'utf8'));
    expect(adapter.base_model_name_or_path).toBe(DEFAULT_MODEL_DIR);
    expect(adapter.modules_to_save).toEqual(['embed_tokens']);
    const tensors = await SafetensorsFile.open(join(output, 'adapter_model.safetensors'));
    try {
      expect(tensors.tensorNames()).toContain('base_model.model.model.embed_tokens.weight'); // the row of </s> trains
    } finally {
      await tensors.close();
    }
    expect(readdirSync(join(cwd, 'runs', 'default')).sort()).toEqual(['data', 'output']);
  });

  test('lora chat with no --model answers a new story question with one of its words, and stops', async () => {
    const story = 'Tom went to the zoo. He found a hat and saw a bear.';
    const r = await runCli(
      ['chat', '--temperature', '0', '--max-new-tokens', '12', `${story} What did Tom see?`],
      cwd,
    );
    expect(r.code, r.err).toBe(0);
    // one word of the story, then </s>: without it the answer would run on for all 12 tokens
    expect(['Tom', 'zoo', 'hat', 'bear']).toContain(r.out.trim());
    expect(r.err).toContain(`${DEFAULT_MODEL_DIR} + adapter ${output} [NF4 base]`);
  });

  test('an interactive chat keeps the history until /reset and stops at /exit', async () => {
    const r = await runCli(['chat', '--temperature', '0', '--max-new-tokens', '4'], cwd, [
      'Lily went to the park. She found a ball and saw a dog. Where was Lily?',
      '/reset',
      'again',
      '/exit',
      'never read',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out.match(/assistant> /g)).toHaveLength(2);
    expect(r.out).toContain('(conversation reset)');
  });
});
