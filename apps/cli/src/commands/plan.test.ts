// lora plan: the memory plan of a run from config.json alone, for every architecture (the CLI's tiny checkpoints and
// the real config.json files of the shared fixtures), with the options and config file train takes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHITECTURES, DEFAULT_VOCAB_CHUNK, memoryShapes, parseModelConfig } from '@lora/models';
import { planMemory } from '@lora/sft';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { beforeAll, describe, expect, test } from 'vitest';
import { lastLine, runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';
import { writeTinyModel } from '../test-support/tiny-models.js';

const root = tempDir('lora-cli-plan-');

beforeAll(async () => {
  for (const architecture of ARCHITECTURES) await writeTinyModel(join(root, architecture), architecture);
}, 120_000);

const json = async (args: string[]) => {
  const r = await runCli(['plan', ...args, '--json'], root);
  expect(r.err).toBe('');
  return { code: r.code, plan: JSON.parse(lastLine(r.out)) };
};

describe.each(ARCHITECTURES)('lora plan on the tiny %s checkpoint', (architecture) => {
  test('prints every part, both peaks, the total, the memory and that it fits', async () => {
    const r = await runCli(['plan', '--model', architecture], root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const part of [
      'runtime',
      'tokenizer',
      'base weights',
      'load transient',
      'adapter',
      'activations',
      'staging',
    ])
      expect(r.out).toMatch(new RegExp(`^  ${part} +[\\d.]+ (GiB|MiB|KiB|B)  `, 'm'));
    expect(r.out).toMatch(/^ {2}peak while training +[\d.]+ MiB$/m);
    expect(r.out).toMatch(/^total: [\d.]+ MiB at peak/m);
    expect(r.out).toMatch(
      /^memory: [\d.]+ GiB RAM, [\d.]+ GiB free now; the run may use [\d.]+ GiB \(90% of/m,
    );
    expect(lastLine(r.out)).toMatch(/^fits: yes, [\d.]+ MiB of [\d.]+ GiB$/);
  });

  test('--json is the plan @lora/sft makes from the config.json shapes and the options (a config.json path works)', async () => {
    const { code, plan } = await json([
      '--model',
      join(architecture, 'config.json'),
      '--lora-r',
      '4',
      '--max-length',
      '64',
    ]);
    expect(code).toBe(0);
    const config = parseModelConfig(
      JSON.parse(readFileSync(join(root, architecture, 'config.json'), 'utf8')),
    );
    const expected = planMemory({
      model: memoryShapes(config),
      quant: 'nf4',
      doubleQuant: true,
      loraRank: 4,
      targetModules: 'all-linear',
      loraDropout: 0.05,
      batchSize: 4,
      seqLen: 64,
      vocabChunk: DEFAULT_VOCAB_CHUNK,
    });
    expect(plan.total).toBe(expected.total);
    expect(plan.parts).toEqual(expected.parts);
    expect(plan.model.architecture).toBe(architecture);
    expect(plan.fits).toBe(true);
  });
});

describe('lora plan options', () => {
  test('a config.yml shared with train: its aliases count, the keys of other verbs are set aside', async () => {
    writeFileSync(
      join(root, 'train.yml'),
      [
        'base_model: qwen2',
        'datasets:',
        '  - path: data/train.jsonl',
        'output_dir: runs/out',
        'learning_rate: 2.0e-4',
        'lora_r: 8',
        'lora_alpha: 16',
        'lora_dropout: 0',
        'micro_batch_size: 2',
        'sequence_len: 32',
        'gradient_checkpointing: true',
        'load_in_4bit: false',
        '',
      ].join('\n'),
    );
    const { code, plan } = await json(['--config', 'train.yml']);
    expect(code).toBe(0);
    expect(plan.settings).toMatchObject({
      quant: 'none',
      loraRank: 8,
      loraDropout: 0,
      batchSize: 2,
      seqLen: 32,
      gradientCheckpointing: true,
    });
    expect(plan.parts.loadTransient).toBe(0);
  });

  test('a plan above --max-memory: exit 1, "fits: no" with what to change', async () => {
    const r = await runCli(['plan', '--model', 'llama', '--max-memory', '1MiB'], root);
    expect(r.code).toBe(1);
    expect(lastLine(r.out)).toMatch(
      /^fits: no: the memory plan needs [\d.]+ MiB, above the 1.0 MiB this run may use \(--max-memory 1MiB\); largest parts: /,
    );
    const { code, plan } = await json(['--model', 'llama', '--max-memory', '1MiB']);
    expect([code, plan.fits, plan.memory.limit]).toEqual([1, false, 2 ** 20]);
  });

  test.each([
    [
      ['--model', 'llama', '--max-memory', 'lots'],
      'lora: --max-memory: expected a size in bytes, with a unit (KiB, MiB, GiB, TiB; KB, MB, GB, TB) or as a % of RAM, got "lots"\n',
    ],
    [
      ['--model', 'llama', '--target-modules', 'q_proj,c_attn'],
      'lora: --target-modules: expected names of llama\'s linears (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj), got "c_attn"\n',
    ],
    [
      ['--model', 'nowhere'],
      /^lora: --model \/.*\/nowhere: expected a model folder or its config\.json, got no such file\n$/,
    ],
  ])('refuses %j in one line', async (args, message) => {
    const r = await runCli(['plan', ...args], root);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
  });
});

describeWithFixtures('lora plan on real config.json files', () => {
  test.each([
    ['qwen2.5-instruct', 'config.qwen2.5-0.5b-instruct.resaved-4.49.json', 'qwen2', 494_032_768],
    ['qwen2.5-instruct', 'config.qwen2.5-1.5b-instruct.resaved-transformers5.json', 'qwen2', 1_543_714_304],
    ['tinyllama-1.1b-chat-v1.0', 'config.json', 'llama', 1_100_048_384],
    ['gpt2', 'config.json', 'gpt2', 124_439_808],
  ])('%s/%s: a %s plan of %i parameters', async (dir, file, architecture, parameters) => {
    const { code, plan } = await json([
      '--model',
      sharedFixture(dir, file),
      '--batch-size',
      '1',
      '--max-length',
      '512',
    ]);
    expect(code).toBe(0);
    expect(plan.model.architecture).toBe(architecture);
    expect(plan.counts.baseParameters).toBe(parameters);
    expect(plan.total).toBeGreaterThan(plan.parts.baseWeights);
  });

  test('every model of mlc-llm-model-presets.json (Gemma, Llama 2 and 3.2, Qwen2) gets a plan', async () => {
    const presets = JSON.parse(readFileSync(sharedFixture('configs', 'mlc-llm-model-presets.json'), 'utf8'));
    for (const [name, config] of Object.entries(presets as Record<string, Record<string, unknown>>)) {
      let parsed: ReturnType<typeof parseModelConfig>;
      try {
        parsed = parseModelConfig(config, name);
      } catch {
        continue; // an architecture @lora/models does not run (gemma2): train would refuse it too
      }
      const file = join(root, `${name}.json`);
      writeFileSync(file, JSON.stringify(config));
      const { plan } = await json(['--model', file, '--batch-size', '1', '--max-length', '256']);
      expect(plan.model.architecture, name).toBe(parsed.architecture);
      expect(plan.total, name).toBeGreaterThan(0);
    }
  });
});

describe('lora plan against measured runs', () => {
  interface MeasuredRun {
    name: string;
    config: Record<string, unknown>;
    tokens: number;
    settings: { gradient_checkpointing: boolean; lora_r: number; lora_dropout: number; batch_size: number };
    peakRssBytes: number;
    command: string;
  }
  // the real `lora train` runs whose peak RSS @lora/sft's scripts/measure-peak-rss.ts recorded
  const { runs } = JSON.parse(
    readFileSync(
      new URL('../../../../packages/sft/fixtures/measured-peak-rss.json', import.meta.url),
      'utf8',
    ),
  ) as { runs: MeasuredRun[] };

  test.each(runs.filter((r) => r.name.startsWith('qwen2.5-')).map((r) => [r.name, r] as const))(
    '%s: the plan `lora plan` prints with the run’s flags is within 15% of its peak RSS',
    async (name, run) => {
      const config = join(root, `${name}.config.json`);
      writeFileSync(config, JSON.stringify(run.config));
      const s = run.settings;
      const { plan } = await json([
        ...['--model', config, '--quant', 'nf4', '--double-quant', '--target-modules', 'all-linear'],
        ...['--lora-r', String(s.lora_r), '--lora-dropout', String(s.lora_dropout)],
        ...['--batch-size', String(s.batch_size), '--max-length', String(run.tokens)],
        ...(s.gradient_checkpointing ? ['--gradient-checkpointing'] : []),
      ]);
      const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
      expect(
        Math.abs(plan.total / run.peakRssBytes - 1),
        `planned ${gib(plan.total)}, measured ${gib(run.peakRssBytes)} (${run.command})`,
      ).toBeLessThanOrEqual(0.15);
    },
  );
});
