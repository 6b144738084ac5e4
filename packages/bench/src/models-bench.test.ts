import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CausalLM, parseModelConfig, tensorSpecs, writeTinyCheckpoint } from '@lora/models';
import { describeWithFixtures, expectClose, sharedFixture } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import {
  generatedWeights,
  LLAMA_BENCH_CONFIG,
  QWEN25_05B_CONFIG,
  QWEN25_15B_CONFIG,
} from './bench-models.js';
import { modelsCases } from './models-bench.js';

const PYTHON = process.env.LORA_BENCH_PYTHON ?? '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const PYTHON_BENCH = fileURLToPath(new URL('../python/models_bench.py', import.meta.url));

describeWithFixtures('the inlined Qwen2.5-0.5B config', () => {
  test('equals the shared config.json fixture on every key it holds', () => {
    const file = sharedFixture('qwen2.5-instruct', 'config.qwen2.5-0.5b-instruct.resaved-4.49.json');
    const fixture = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const [key, value] of Object.entries(QWEN25_05B_CONFIG))
      expect([key, fixture[key]]).toEqual([key, value]);
  });
});

describeWithFixtures('the inlined Qwen2.5-1.5B config', () => {
  test('parses to what the shared config.json fixture (transformers 5: rope_parameters, layer_types) parses to', () => {
    const file = sharedFixture('qwen2.5-instruct', 'config.qwen2.5-1.5b-instruct.resaved-transformers5.json');
    const fixture = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const parsed = (raw: Record<string, unknown>) => ({ ...parseModelConfig(raw), raw: undefined });
    expect(parsed(QWEN25_15B_CONFIG)).toEqual(parsed(fixture));
  });
});

describe('models bench cases', () => {
  test('the shapes the brief names: 4-layer hidden-512 Llama at 256 tokens, Qwen2.5-0.5B generation', () => {
    const [forward, train, gen] = modelsCases(true, QWEN25_05B_CONFIG);
    const llama = parseModelConfig(forward!.config);
    expect([llama.architecture, llama.numLayers, llama.hiddenSize, forward!.tokens]).toEqual([
      'llama',
      4,
      512,
      256,
    ]);
    expect(train!.config).toBe(LLAMA_BENCH_CONFIG);
    const qwen = parseModelConfig(gen!.config);
    const params = tensorSpecs(qwen).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    expect([qwen.architecture, qwen.numLayers, qwen.hiddenSize, Math.round(params / 1e6)]).toEqual([
      'qwen2',
      24,
      896,
      494,
    ]);
  });

  test('generated weights fill every tensor: uniform with std 0.02, norms at 1', async () => {
    const config = parseModelConfig({
      ...LLAMA_BENCH_CONFIG,
      vocab_size: 300,
      hidden_size: 64,
      intermediate_size: 96,
      num_attention_heads: 4,
      num_key_value_heads: 2,
    });
    const weights = generatedWeights(config);
    const model = CausalLM.fromWeights(config, weights);
    const up = weights('model.layers.0.mlp.up_proj.weight')!;
    const std = Math.sqrt(up.reduce((s, v) => s + v * v, 0) / up.length);
    expect(std).toBeCloseTo(0.02, 3);
    expect(weights('model.norm.weight')!.every((v) => v === 1)).toBe(true);
    expect((await model.logits(Int32Array.from([1, 2, 3]), 1, 3)).every(Number.isFinite)).toBe(true);
  });
});

describe.skipIf(!hasTorch)(
  'the PyTorch baseline computes the same model (skipped without /usr/bin/python3 + torch)',
  () => {
    let root: string | undefined;
    afterAll(async () => {
      if (root) await rm(root, { recursive: true, force: true });
    });

    test.each(['llama', 'qwen2'] as const)(
      '%s: same mean loss as @lora/models on a tiny checkpoint',
      async (architecture) => {
        root ??= await mkdtemp(join(tmpdir(), 'lora-models-bench-'));
        const { dir } = await writeTinyCheckpoint(join(root, architecture), architecture, {
          seed: 3,
          overrides: { rope_scaling: null },
        });
        const ids = [5, 17, 42, 9, 77, 3, 61, 100, 12];
        const model = await CausalLM.load(dir);
        const r = await model.step(
          { inputIds: Int32Array.from(ids), labels: Int32Array.from(ids), batch: 1, seqLen: ids.length },
          { training: false, backward: false },
        );
        const run = spawnSync(
          PYTHON,
          [PYTHON_BENCH, '--case', 'loss', '--weights', dir, '--ids', ids.join(',')],
          { encoding: 'utf8' },
        );
        expect(run.status, run.stderr).toBe(0);
        const { loss } = JSON.parse(run.stdout) as { loss: number };
        expectClose([r.lossSum / r.tokens], [loss], { rtol: 1e-5 }, `${architecture} loss`);
      },
    );
  },
);
