// End to end on tiny checkpoints of all four architectures: train → eval → chat (one prompt) → merge, in-process.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture } from '@lora/models';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { lastLine, runCli } from '../test-support/capture-io.js';
import { ARCHITECTURE_TOKENS, writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

const CASES: { architecture: Architecture; quant: 'nf4' | 'none' }[] = [
  { architecture: 'qwen2', quant: 'nf4' },
  { architecture: 'llama', quant: 'nf4' },
  { architecture: 'gemma', quant: 'none' },
  { architecture: 'gpt2', quant: 'none' },
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

describe('training options on a tiny llama checkpoint', () => {
  const root = tempDir('lora-cli-options-');
  const common = [
    '--model',
    'model',
    '--chat-template',
    'zephyr',
    '--max-steps',
    '2',
    '--batch-size',
    '4',
    '--eval-prompts',
    '0',
    '--save-steps',
    '2',
  ];
  let data: { train: string; eval: string };

  test('--use-dora --use-rslora --packing --gradient-checkpointing --target-modules', async () => {
    await writeTinyModel(join(root, 'model'), 'llama');
    data = await writeTopicData(join(root, 'data'));
    const r = await runCli(
      [
        'train',
        ...common,
        '--data',
        data.train,
        '--eval-data',
        data.eval,
        '--output',
        'dora',
        '--use-dora',
        '--use-rslora',
        '--packing',
        '--max-length',
        '128',
        '--gradient-checkpointing',
        '--target-modules',
        'q_proj,v_proj,down_proj',
        '--lora-r',
        '4',
        '--lora-alpha',
        '8',
      ],
      root,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/packing: 24 examples into \d+ blocks of at most 128 tokens/);
    const config = JSON.parse(readFileSync(join(root, 'dora', 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ use_dora: true, use_rslora: true, r: 4, lora_alpha: 8 });
    expect([...config.target_modules].sort()).toEqual(['down_proj', 'q_proj', 'v_proj']);
    const { SafetensorsFile } = await import('@lora/safetensors');
    const file = await SafetensorsFile.open(join(root, 'dora', 'adapter_model.safetensors'));
    const names = file.tensorNames();
    await file.close();
    expect(names).toContain('base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector');
    expect(names.filter((n) => n.endsWith('lora_A.weight'))).toHaveLength(2 * 3);
  });

  test('--init-adapter starts from a trained adapter: the loss before training is that adapter’s', async () => {
    const first = await runCli(
      [
        'train',
        ...common,
        '--data',
        data.train,
        '--eval-data',
        data.eval,
        '--output',
        'a1',
        '--lr',
        '2e-2',
        '--quant',
        'none',
      ],
      root,
    );
    expect(first.code, first.err).toBe(0);
    const evaluated = await runCli(
      [
        'eval',
        '--model',
        'model',
        '--adapter',
        'a1',
        '--data',
        data.eval,
        '--chat-template',
        'zephyr',
        '--json',
      ],
      root,
    );
    const loss = JSON.parse(lastLine(evaluated.out)).loss as number;
    const second = await runCli(
      [
        'train',
        ...common,
        '--data',
        data.train,
        '--eval-data',
        data.eval,
        '--output',
        'a2',
        '--quant',
        'none',
        '--init-adapter',
        'a1',
      ],
      root,
    );
    expect(second.code, second.err).toBe(0);
    expect(second.out).toContain('note: started from the adapter in');
    const before = Number(/before training: eval loss (\d+\.\d+)/.exec(second.out)![1]);
    expect(before).toBeCloseTo(loss, 4);
  });
});

describe('eval --compare / --label-field and generate on a tiny qwen2 checkpoint', () => {
  const root = tempDir('lora-cli-eval-');
  let data: { train: string; eval: string };

  test('--compare writes base vs adapter and the JSON carries both', async () => {
    await writeTinyModel(join(root, 'model'), 'qwen2');
    data = await writeTopicData(join(root, 'data'));
    const trained = await runCli(
      [
        'train',
        '--model',
        'model',
        '--data',
        data.train,
        '--output',
        'a',
        '--max-steps',
        '3',
        '--lr',
        '1e-2',
        '--eval-prompts',
        '0',
      ],
      root,
    );
    expect(trained.code, trained.err).toBe(0);
    const r = await runCli(
      [
        'eval',
        '--model',
        'model',
        '--adapter',
        'a',
        '--data',
        data.eval,
        '--compare',
        '--generate',
        '--max-new-tokens',
        '2',
        '--json',
      ],
      root,
    );
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(lastLine(r.out));
    expect(result.base.total).toBe(8);
    expect(result.base.loss).not.toBe(result.loss);
    const md = readFileSync(join(root, 'a', 'compare.md'), 'utf8');
    expect(md).toMatch(/\| metric +\| +base \| +adapter \|/);
    expect(md).toContain('## Generated answers');
  });

  test('--label-field scores the generated answers against that field', async () => {
    const lines = readFileSync(data.eval, 'utf8')
      .trim()
      .split('\n')
      .map((l, i) => ({ ...JSON.parse(l), topic: i % 2 ? 'yes' : 'no' }));
    const file = join(root, 'labelled.jsonl');
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
    const r = await runCli(
      [
        'eval',
        '--model',
        'model',
        '--adapter',
        'a',
        '--data',
        file,
        '--label-field',
        'topic',
        '--max-new-tokens',
        '2',
        '--json',
      ],
      root,
    );
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(lastLine(r.out));
    expect(result.total).toBe(8);
    expect(result.confusion_matrix.labels).toEqual(['no', 'yes']);
    expect(result.confusion_matrix.columns).toEqual(['no', 'yes', '(other)']);
  });

  test('generate: greedy is repeatable, a seed fixes sampling, --raw skips the template', async () => {
    const prompt = ['--prompt', 'the striker scored', '--max-new-tokens', '6'];
    const greedy = async () =>
      (
        await runCli(
          ['generate', '--model', 'model', '--adapter', 'a', ...prompt, '--temperature', '0'],
          root,
        )
      ).out;
    expect(await greedy()).toBe(await greedy());
    const sampled = async (seed: string) =>
      (
        await runCli(
          ['generate', '--model', 'model', ...prompt, '--temperature', '1.5', '--seed', seed],
          root,
        )
      ).out;
    expect(await sampled('1')).toBe(await sampled('1'));
    const raw = await runCli(
      ['generate', '--model', 'model', '--raw', ...prompt, '--temperature', '0'],
      root,
    );
    expect(raw.code, raw.err).toBe(0);
    expect(raw.out.startsWith('the striker scored')).toBe(true);
  });
});
