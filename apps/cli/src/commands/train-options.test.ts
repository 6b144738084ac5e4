// Training options end to end on a tiny llama checkpoint: DoRA, rsLoRA, packing, gradient checkpointing and target
// modules together, and --init-adapter starting from a trained adapter.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { lastLine, runCli } from '../test-support/capture-io.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

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
