// End to end on tiny checkpoints of every architecture: train → eval → chat (one prompt) → merge, in-process.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture } from '@lora/models';
import { describe, expect, test } from 'vitest';
import { lastLine, runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';
import { ARCHITECTURE_TOKENS, writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

const CASES: { architecture: Architecture; quant: 'nf4' | 'none' }[] = [
  { architecture: 'qwen2', quant: 'nf4' },
  { architecture: 'llama', quant: 'nf4' },
  { architecture: 'gemma', quant: 'none' },
  { architecture: 'gpt2', quant: 'none' },
  { architecture: 'mistral', quant: 'nf4' },
  { architecture: 'phi3', quant: 'nf4' },
  { architecture: 'gemma2', quant: 'nf4' },
];

describe.each(CASES)('lora on a tiny $architecture checkpoint ($quant base)', ({ architecture, quant }) => {
  const root = tempDir(`lora-cli-${architecture}-`);
  const modelDir = join(root, 'model');
  const adapter = join(root, 'adapter');
  const merged = join(root, 'merged');
  const template = ARCHITECTURE_TOKENS[architecture].chatTemplate;

  test('train writes a PEFT adapter, metrics, a checkpoint and report.md', async () => {
    await writeTinyModel(modelDir, architecture);
    const data = await writeTopicData(join(root, 'data'));
    const r = await runCli(
      [
        'train',
        '--model',
        'model',
        '--data',
        data.train,
        '--eval-data',
        data.eval,
        '--output',
        'adapter',
        '--chat-template',
        template,
        '--quant',
        quant,
        '--max-steps',
        '4',
        '--batch-size',
        '4',
        '--lr',
        '1e-2',
        '--lora-r',
        '4',
        '--save-steps',
        '2',
        '--logging-steps',
        '2',
        '--eval-prompts',
        '4',
        '--max-new-tokens',
        '4',
        '--seed',
        '3',
      ],
      root,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^backend: /m);
    expect(r.out).toContain('summary');
    const config = JSON.parse(readFileSync(join(adapter, 'adapter_config.json'), 'utf8'));
    expect(config.r).toBe(4);
    expect(config.peft_type).toBe('LORA');
    expect(config.fan_in_fan_out).toBe(architecture === 'gpt2');
    for (const file of [
      'adapter_model.safetensors',
      'metrics.jsonl',
      'report.md',
      'loss.svg',
      'run_config.json',
      'checkpoint-4/trainer_state.json',
    ]) {
      expect(existsSync(join(adapter, file)), file).toBe(true);
    }
    const losses = readFileSync(join(adapter, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.loss !== undefined);
    expect(losses.map((e) => e.step)).toEqual([2, 4]);
    expect(readFileSync(join(adapter, 'report.md'), 'utf8')).toContain('## Evaluation on held-out data');
  });

  test('eval --json prints loss, perplexity and token count as its last line', async () => {
    const data = join(root, 'data', 'eval.jsonl');
    const r = await runCli(
      [
        'eval',
        '--model',
        'model',
        '--adapter',
        'adapter',
        '--data',
        data,
        '--chat-template',
        template,
        '--json',
        '--generate',
        '--max-new-tokens',
        '3',
      ],
      root,
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(lastLine(r.out));
    expect(result.perplexity).toBeCloseTo(Math.exp(result.loss), 6);
    expect(result.tokens).toBeGreaterThan(0);
    expect(result.total).toBe(8);
    expect(result.accuracy).toBeGreaterThanOrEqual(0);
  });

  test('chat answers one prompt given as an argument', async () => {
    const r = await runCli(
      [
        'chat',
        '--model',
        'model',
        '--adapter',
        'adapter',
        '--chat-template',
        template,
        '--max-new-tokens',
        '5',
        '--temperature',
        '0',
        'the',
        'striker',
        'scored',
      ],
      root,
    );
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^backend: /);
    expect(r.out.endsWith('\n')).toBe(true);
  });

  test('merge writes a model folder whose loss equals the adapter on its base', async () => {
    const into = quant === 'none' ? 'dense' : 'dequantized';
    const r = await runCli(
      ['merge', '--model', 'model', '--adapter', 'adapter', '--output', 'merged', '--merge-into', into],
      root,
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      quant === 'none' ? 'into the original dense weights' : 'into the dequantized NF4 weights',
    );
    expect(existsSync(join(merged, 'tokenizer.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(merged, 'config.json'), 'utf8')).quantization_config).toBeUndefined();
    const data = join(root, 'data', 'eval.jsonl');
    const withAdapter = await runCli(
      [
        'eval',
        '--model',
        'model',
        '--adapter',
        'adapter',
        '--data',
        data,
        '--chat-template',
        template,
        '--json',
      ],
      root,
    );
    const mergedEval = await runCli(
      ['eval', '--model', 'merged', '--data', data, '--chat-template', template, '--json', '--quant', 'none'],
      root,
    );
    expect(mergedEval.code).toBe(0);
    const a = JSON.parse(lastLine(withAdapter.out));
    const m = JSON.parse(lastLine(mergedEval.out));
    expect(m.tokens).toBe(a.tokens);
    expect(Math.abs(m.loss - a.loss)).toBeLessThan(1e-4);
  });
});
