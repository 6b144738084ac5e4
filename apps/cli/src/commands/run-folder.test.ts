// The run folder is enough: eval, generate, chat and merge given --adapter RUN_DIR alone take the base model and
// the settings the run trained with, and print a flag that differs from the run as an override.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { lastLine, runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

const root = tempDir('lora-run-folder-');
let data: { train: string; eval: string };

beforeAll(async () => {
  await writeTinyModel(join(root, 'model'), 'qwen2');
  data = await writeTopicData(join(root, 'data'));
  const trained = await runCli(
    [
      'train',
      ...['--model', 'model', '--data', data.train, '--eval-data', data.eval, '--output', 'run'],
      ...[
        '--chat-template',
        'plain',
        '--max-length',
        '48',
        '--max-steps',
        '3',
        '--lr',
        '1e-2',
        '--eval-prompts',
        '0',
      ],
    ],
    root,
  );
  expect(trained.code, trained.err).toBe(0);
}, 120_000);

const evalJson = async (args: string[]) => {
  const r = await runCli(['eval', ...args, '--json'], root);
  expect(r.code, r.err).toBe(0);
  return { result: JSON.parse(lastLine(r.out)) as { loss: number; model: string; data: string }, err: r.err };
};

describe('--adapter RUN_DIR alone', () => {
  test('eval takes the base, chat format, max length and held-out data from the run', async () => {
    const alone = await evalJson(['--adapter', 'run']);
    const spelled = await evalJson([
      ...['--model', 'model', '--adapter', 'run', '--data', data.eval],
      ...['--chat-template', 'plain', '--max-length', '48'],
    ]);
    expect(alone.result.model).toBe(join(root, 'model'));
    expect(alone.result.data).toBe(data.eval);
    expect(alone.result.loss).toBe(spelled.result.loss);
    expect(alone.err).toContain(
      `settings from the run: chat_template plain, max_length 48, completion_only true, data ${data.eval}`,
    );
  });

  test('a flag that differs from the run wins and is printed as an override', async () => {
    const plain = await evalJson(['--adapter', 'run']);
    const chatml = await evalJson(['--adapter', 'run', '--chat-template', 'chatml']);
    expect(chatml.err).toContain("--chat-template chatml overrides the run's plain");
    expect(chatml.result.loss).not.toBe(plain.result.loss);
  });

  test('generate and merge find the base too', async () => {
    const g = await runCli(['generate', '--adapter', 'run', '--prompt', 'hi', '--max-new-tokens', '2'], root);
    expect(g.code, g.err).toBe(0);
    expect(g.err).toContain(
      `model: ${join(root, 'model')} + adapter ${join(root, 'run')} [NF4 base]\nsettings from the run: chat_template plain\n`,
    );
    const m = await runCli(['merge', '--adapter', 'run', '--output', 'merged'], root);
    expect(m.code, m.err).toBe(0);
    expect(JSON.parse(readFileSync(join(root, 'merged', 'config.json'), 'utf8')).model_type).toBe('qwen2');
  });

  test('a run whose recorded base is gone: one line naming the file, the key and the path', async () => {
    const moved = join(root, 'moved-run');
    const config = JSON.parse(readFileSync(join(root, 'run', 'run_config.json'), 'utf8'));
    mkdirSync(moved);
    for (const f of ['adapter_config.json', 'adapter_model.safetensors'])
      copyFileSync(join(root, 'run', f), join(moved, f));
    writeFileSync(
      join(moved, 'run_config.json'),
      JSON.stringify({ ...config, model: join(root, 'nowhere') }),
    );
    const r = await runCli(['eval', '--adapter', moved], root);
    expect(r.code).not.toBe(0);
    expect(r.err).toBe(
      `lora: ${join(moved, 'run_config.json')} "model": expected the base model folder the run trained on, got ${join(root, 'nowhere')}, which does not exist here; pass --model DIR\n`,
    );
  });
});
