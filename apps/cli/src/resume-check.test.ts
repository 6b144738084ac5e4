// Exact resume: each setting that defines the run, changed since the checkpoint, is refused by name; with
// --allow-changes the changes are listed on stdout and in training.log; settings the checkpoint's tensors or data
// position depend on stay refused; a broken run_config.json is an error naming the file and the key.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { Options } from './options.js';
import { changedSettings, describeChange, SAME_RUN } from './resume-check.js';
import { type RunConfig, RunConfigError } from './run-config.js';
import { runCli } from './test-support/capture-io.js';
import { tempDir } from './test-support/temp-dir.js';
import { writeTinyModel, writeTopicData } from './test-support/tiny-models.js';
import { TRAIN_OPTIONS } from './verb-options.js';

describe('changedSettings', () => {
  const specs = new Options('train', TRAIN_OPTIONS).specs;
  const saved: RunConfig = {
    ...new Options('train', TRAIN_OPTIONS).toRecord(),
    model: '/m',
    data: '/d/train.jsonl',
    chat_format: 'chatml',
    data_file: { bytes: 10, sha256: 'a'.repeat(64) },
  };
  const file = { path: '/out/checkpoint-4/run_config.json', config: saved };

  test('the same settings: no change (a boolean left out equals false, mapping key order does not matter)', () => {
    const now = { ...saved, use_rslora: false, field_map: { b: 'y', a: 'x' }, output: '/elsewhere' };
    const before = { ...saved, field_map: { a: 'x', b: 'y' } };
    expect(changedSettings({ ...file, config: before }, now, specs)).toEqual([]);
  });

  test.each([
    ['lr', 1e-3, '--lr 0.0002 → 0.001'],
    ['lr_scheduler', 'cosine', '--lr-scheduler linear → cosine'],
    ['warmup_steps', 10, '--warmup-steps unset → 10'],
    ['lora_alpha', 32, '--lora-alpha 16 → 32'],
    ['lora_dropout', 0, '--lora-dropout 0.05 → 0'],
    ['use_rslora', true, '--use-rslora false → true'],
    ['quant', 'none', '--quant nf4 → none'],
    ['double_quant', false, '--double-quant true → false'],
    ['max_length', 512, '--max-length 1024 → 512'],
    ['chat_format', 'zephyr', '--chat-template (the format used) chatml → zephyr'],
    ['packing', true, '--packing false → true'],
    ['completion_only', false, '--completion-only true → false'],
    ['max_steps', 100, '--max-steps unset → 100'],
    ['model', '/other', '--model /m → /other'],
    [
      'data_file',
      { bytes: 11, sha256: 'b'.repeat(64) },
      '--data (its contents) 10 bytes, sha256 aaaaaaaaaaaa → 11 bytes, sha256 bbbbbbbbbbbb',
    ],
    ['lora_r', 16, '--lora-r 8 → 16'],
    ['target_modules', ['q_proj'], '--target-modules all-linear → q_proj'],
    ['use_dora', true, '--use-dora false → true'],
    ['batch_size', 8, '--batch-size 4 → 8'],
    ['grad_accum', 2, '--grad-accum 1 → 2'],
    ['seed', 7, '--seed 42 → 7'],
    ['optim', 'paged_adamw_32bit', '--optim adamw_torch → paged_adamw_32bit'],
    ['loraplus_lr_ratio', 16, '--loraplus-lr-ratio unset → 16'],
  ])('%s changed is named', (key, value, described) => {
    const changes = changedSettings(file, { ...saved, [key]: value }, specs);
    expect(changes.map(describeChange)).toEqual([described]);
    const fixed = [
      'lora_r',
      'target_modules',
      'use_dora',
      'batch_size',
      'grad_accum',
      'seed',
      'loraplus_lr_ratio',
    ].includes(key);
    expect(changes[0]!.fixed !== undefined).toBe(fixed);
  });

  test('every compared setting is a train option or a recorded derivation', () => {
    for (const s of SAME_RUN) {
      expect(specs.has(s.key) || ['chat_format', 'data_file', 'eval_data_file'].includes(s.key), s.key).toBe(
        true,
      );
    }
  });

  test.each(['lr', 'quant', 'chat_format', 'data_file', 'model'])(
    'a run_config without "%s" names it',
    (key) => {
      const config = { ...saved };
      delete config[key];
      let error: unknown;
      try {
        changedSettings({ ...file, config }, saved, specs);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RunConfigError);
      expect((error as Error).message).toMatch(
        new RegExp(`^/out/checkpoint-4/run_config\\.json: "${key}" expected in every run_config\\.json`),
      );
    },
  );
});

describe('the optimizer in run_config.json', () => {
  const specs = new Options('train', TRAIN_OPTIONS).specs;
  const now: RunConfig = {
    ...new Options('train', TRAIN_OPTIONS).toRecord(),
    model: '/m',
    chat_format: 'chatml',
  };
  const older: RunConfig = { ...now, data_file: { bytes: 1, sha256: 'a'.repeat(64) } };
  delete older.optim;
  const file = { path: '/out/checkpoint-2/run_config.json', config: older };

  test('is recorded with every run (its default too)', () => {
    expect(now.optim).toBe('adamw_torch');
  });

  test('a run_config.json from before --optim meant adamw_torch: resuming with it is no change', () => {
    expect(changedSettings(file, { ...older, optim: 'adamw_torch' }, specs)).toEqual([]);
  });

  test('resuming such a run with another optimizer name is a change, refused like any other', () => {
    const changes = changedSettings(file, { ...older, optim: 'adamw_torch_fused' }, specs);
    expect(changes.map(describeChange)).toEqual(['--optim adamw_torch → adamw_torch_fused']);
    expect(changes[0]!.fixed).toBeUndefined();
  });
});

describe('lora train --resume with changed settings (tiny qwen2)', () => {
  const root = tempDir('lora-cli-resume-check-');
  const base = [
    'train',
    '--model',
    'model',
    '--eval-prompts',
    '0',
    '--save-steps',
    '2',
    '--logging-steps',
    '2',
  ];
  const first = [...base, '--data', 'data/train.jsonl', '--max-steps', '4', '--lr', '5e-3'];
  let log = '';

  beforeAll(async () => {
    await writeTinyModel(join(root, 'model'), 'qwen2');
    await writeTopicData(join(root, 'data'));
    // the same number of examples, one answer changed
    const lines = readFileSync(join(root, 'data', 'train.jsonl'), 'utf8').split('\n');
    lines[0] = lines[0]!.replace(/"output":"[^"]*"/, '"output":"changed"');
    writeFileSync(join(root, 'data', 'edited.jsonl'), lines.join('\n'));
    const r = await runCli([...first, '--output', 'run'], root);
    expect(r.code, r.err).toBe(0);
    log = readFileSync(join(root, 'run', 'training.log'), 'utf8');
  });

  const resume = (output: string, ...changes: string[]) => {
    const argv = [...first, '--output', output, '--resume'];
    for (let i = 0; i < changes.length; i++) {
      const at = argv.indexOf(changes[i]!);
      const isFlag = changes[i]!.startsWith('--');
      const takesValue = isFlag && changes[i + 1] !== undefined && !changes[i + 1]!.startsWith('--');
      if (at >= 0 && takesValue) {
        argv[at + 1] = changes[i + 1]!; // replace the value of a flag the first run gave
        i++;
      } else argv.push(changes[i]!);
    }
    return runCli(argv, root);
  };

  test('the same settings resume without a word about changes', async () => {
    cpSync(join(root, 'run'), join(root, 'same'), { recursive: true });
    const r = await resume('same');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/resuming from .*checkpoint-4/);
    expect(r.out).not.toMatch(/changed/);
  });

  test.each([
    [
      ['--lr', '1e-3'],
      /got 1 changed: --lr 0\.005 → 0\.001; resume with the old values, or add --allow-changes/,
    ],
    [['--lr-scheduler', 'cosine'], /got 1 changed: --lr-scheduler linear → cosine;/],
    [['--lora-alpha', '32'], /got 1 changed: --lora-alpha 16 → 32;/],
    [['--lora-dropout', '0.2'], /got 1 changed: --lora-dropout 0\.05 → 0\.2;/],
    [['--use-rslora'], /got 1 changed: --use-rslora false → true;/],
    [['--quant', 'none'], /got 1 changed: --quant nf4 → none;/],
    [['--max-length', '128'], /got 1 changed: --max-length 1024 → 128;/],
    [
      ['--chat-template', 'chatml'],
      /got 1 changed: --chat-template \(the format used\) chat_template → chatml;/,
    ],
    [['--packing'], /got 1 changed: --packing false → true;/],
    [
      ['--data', 'data/edited.jsonl'],
      /got 1 changed: --data \(its contents\) \d+ bytes, sha256 [0-9a-f]{12} → \d+ bytes, sha256 [0-9a-f]{12};/,
    ],
    [['--lr', '1e-3', '--lora-alpha', '32'], /got 2 changed: --lora-alpha 16 → 32, --lr 0\.005 → 0\.001;/],
    [
      ['--lora-r', '4'],
      /got --lora-r 8 → 4, which not even --allow-changes can resume \(the checkpoint's adapter tensors/,
    ],
    [
      ['--target-modules', 'q_proj'],
      /got --target-modules all-linear → q_proj, which not even --allow-changes/,
    ],
    [['--use-dora'], /got --use-dora false → true, which not even --allow-changes/],
    [
      ['--batch-size', '2'],
      /got --batch-size 4 → 2, which not even --allow-changes can resume \(the data order/,
    ],
    [['--grad-accum', '2'], /got --grad-accum 1 → 2, which not even --allow-changes/],
    [['--seed', '7'], /got --seed 42 → 7, which not even --allow-changes/],
  ])('%j is refused by name', async (changes, message) => {
    const r = await resume('run', ...changes);
    expect(r.code).not.toBe(0);
    const lines = r.err.trimEnd().split('\n');
    expect(lines, r.err).toHaveLength(1);
    expect(lines[0]).toMatch(/^lora: --resume: expected the settings checkpoint-4 was trained with, /);
    expect(lines[0]).toMatch(message);
    expect(readFileSync(join(root, 'run', 'training.log'), 'utf8'), 'the run is left as it was').toBe(log);
  });

  test('--allow-changes continues and lists every change, on stdout and in training.log', async () => {
    cpSync(join(root, 'run'), join(root, 'allowed'), { recursive: true });
    const r = await resume(
      'allowed',
      '--lr',
      '1e-3',
      '--lora-alpha',
      '32',
      '--max-steps',
      '6',
      '--allow-changes',
    );
    expect(r.code, r.err).toBe(0);
    const line =
      'resume --allow-changes: 3 setting(s) changed since checkpoint-4: --lora-alpha 16 → 32, --lr 0.005 → 0.001, --max-steps 4 → 6';
    expect(r.out).toContain(line);
    expect(readFileSync(join(root, 'allowed', 'training.log'), 'utf8')).toContain(line);
    // the checkpoints written after the resume carry the new settings, so the next resume compares with them
    const next = JSON.parse(readFileSync(join(root, 'allowed', 'checkpoint-6', 'run_config.json'), 'utf8'));
    expect(next).toMatchObject({ lr: 1e-3, lora_alpha: 32, max_steps: 6 });
    const again = await resume('allowed', '--lr', '1e-3', '--lora-alpha', '32', '--max-steps', '6');
    expect(again.code, again.err).toBe(0);
  });

  test('--allow-changes does not allow a change the checkpoint cannot take', async () => {
    const r = await resume('run', '--batch-size', '2', '--lr', '1e-3', '--allow-changes');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(
      /^lora: --resume: .*got --batch-size 4 → 2, which not even --allow-changes can resume/,
    );
  });

  test('--allow-changes without --resume is refused', async () => {
    const r = await runCli([...first, '--output', 'fresh', '--allow-changes'], root);
    expect(r.code).not.toBe(0);
    expect(r.err).toBe('lora: --allow-changes: expected --resume with it, got no --resume\n');
  });

  test.each([
    [
      '{"lr": ',
      /checkpoint-4\/run_config\.json: expected the JSON object `lora train` writes, got unparsable text/,
    ],
    [
      '{"lr": 0.005}',
      /checkpoint-4\/run_config\.json: "model" expected in every run_config\.json `lora train` writes, got nothing/,
    ],
  ])(
    "a checkpoint's broken run_config.json (%s) is a one-line error naming the file and key",
    async (text, message) => {
      const dir = join(root, `broken-${text.length}`);
      cpSync(join(root, 'run'), dir, { recursive: true });
      writeFileSync(join(dir, 'checkpoint-4', 'run_config.json'), text);
      const r = await resume(dir);
      expect(r.code).not.toBe(0);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    },
  );

  test('a checkpoint without run_config.json needs --allow-changes, which says the settings went unchecked', async () => {
    cpSync(join(root, 'run'), join(root, 'old'), { recursive: true });
    rmSync(join(root, 'old', 'checkpoint-4', 'run_config.json'));
    const refused = await resume('old');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(
      /checkpoint-4\/run_config\.json to check the settings are the run's, got no such file/,
    );
    const allowed = await resume('old', '--allow-changes');
    expect(allowed.code, allowed.err).toBe(0);
    expect(allowed.out).toContain(
      'resume --allow-changes: checkpoint-4 has no run_config.json: settings not checked',
    );
  });

  test.each([
    [
      '{"quant": "nf4", ',
      /run_config\.json: expected the JSON object `lora train` writes, got unparsable text/,
    ],
    ['{"lr": 0.005}', /run_config\.json: "quant" expected one of nf4, fp4, none, got nothing/],
  ])(
    'eval of an adapter whose run_config.json is broken (%s) names the file and key',
    async (text, message) => {
      const dir = join(root, `adapter-${text.length}`);
      cpSync(join(root, 'run'), dir, { recursive: true });
      writeFileSync(join(dir, 'run_config.json'), text);
      const r = await runCli(
        ['eval', '--model', 'model', '--adapter', dir, '--data', 'data/eval.jsonl'],
        root,
      );
      expect(r.code).not.toBe(0);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
      expect(r.err).toContain(join(dir, 'run_config.json'));
    },
  );
});
