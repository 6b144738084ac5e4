// `lora train` with no arguments: makes the embedded default (data, tokenizer, tiny Qwen2) in <cwd>/runs/default,
// QLoRA fine-tunes it, and the held-out accuracy by generation really rises; `lora chat` then uses the result.
// (Three epochs here to keep the suite short; the full default runs six.)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { TOPIC_INSTRUCTION, TOPIC_LABELS } from '@lora/datasets';
import { runCli } from '../test-support/capture-io.js';

const cwd = tempDir('lora-cli-default-');
const output = join(cwd, 'runs', 'default', 'output');

describe('the embedded default', () => {
  test('lora train learns the topic task: accuracy on held-out prompts rises, perplexity falls', {
    timeout: 180_000,
  }, async () => {
    const r = await runCli(['train', '--epochs', '3'], cwd);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('default: wrote the topic dataset (480 train / 48 held-out)');
    expect(r.out).toMatch(/NF4 \+ double quant 4-bit base; trainable params: [\d,]+/);
    expect(r.out).toMatch(/accuracy \(held-out, generated\): 0\.0% → \d+\.\d%/);
    const results = JSON.parse(readFileSync(join(output, 'eval_results.json'), 'utf8'));
    expect(results.before.total).toBe(48);
    expect(results.before.accuracy).toBeLessThanOrEqual(0.25);
    expect(results.after.accuracy).toBeGreaterThanOrEqual(0.8);
    expect(results.after.perplexity).toBeLessThan(results.before.perplexity / 100);
    const report = readFileSync(join(output, 'report.md'), 'utf8');
    expect(report).toContain('![train and eval loss](loss.svg)');
    expect(report).toContain('### Confusion matrix after training');
    expect(readFileSync(join(output, 'loss.svg'), 'utf8')).toContain('data-name="eval loss"');
    const adapter = JSON.parse(readFileSync(join(output, 'adapter_config.json'), 'utf8'));
    expect(adapter.base_model_name_or_path).toBe(join(cwd, 'runs', 'default', 'base'));
  });

  test('lora chat with no --model answers from the trained default', async () => {
    const r = await runCli(
      ['chat', '--temperature', '0', `${TOPIC_INSTRUCTION}\nthe chef tasted the soup before the dessert`],
      cwd,
    );
    expect(r.code, r.err).toBe(0);
    expect(TOPIC_LABELS).toContain(r.out.trim());
    expect(r.err).toContain(`+ adapter ${output} [NF4 base]`);
  });

  test('an interactive chat keeps the history until /reset and stops at /exit', async () => {
    const r = await runCli(['chat', '--temperature', '0', '--max-new-tokens', '4'], cwd, [
      'hello',
      '/reset',
      'again',
      '/exit',
      'never read',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out.match(/assistant> /g)).toHaveLength(2);
    expect(r.out).toContain('(conversation reset)');
    expect(existsSync(join(output, 'adapter_model.safetensors'))).toBe(true);
  });
});
