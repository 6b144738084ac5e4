// One config.yml drives every verb: chat and eval read a training config written with Hugging Face and axolotl
// names (taking their own keys, setting aside the rest), a typo is refused, notes go to stderr, --help names aliases.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { lastLine, runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

const root = tempDir('lora-cli-shared-config-');
let evalFile = '';

beforeAll(async () => {
  await writeTinyModel(join(root, 'model'), 'llama');
  const data = await writeTopicData(join(root, 'data'));
  evalFile = data.eval;
  const config = [
    'base_model: model',
    'datasets:',
    `  - path: ${data.train}`,
    `eval_data: ${data.eval}`,
    'output_dir: runs/shared',
    'chat_template: zephyr',
    'load_in_4bit: false',
    'lora_r: 4',
    'lora_alpha: 8',
    'lora_target_linear: true',
    'learning_rate: 2.0e-4',
    'num_epochs: 1',
    'micro_batch_size: 4',
    'gradient_accumulation_steps: 1',
    'sequence_len: 128',
    'optimizer: paged_adamw_32bit',
    'bf16: true',
    'temperature: 0',
    'max_new_tokens: 3',
    '',
  ].join('\n');
  writeFileSync(join(root, 'config.yml'), config);
  writeFileSync(join(root, 'typo.yml'), `${config}lerning_rate: 1\n`);
  writeFileSync(join(root, 'own.yml'), config.replace('output_dir: runs/shared', 'output: runs/own'));
});

describe('one config for every verb', () => {
  test('chat --config with a training config answers (with --debug: the keys it set aside)', async () => {
    const r = await runCli(['chat', '--config', 'config.yml', '--debug', 'the', 'striker', 'scored'], root);
    expect(r.code, r.err).toBe(0);
    expect(r.out.endsWith('\n')).toBe(true);
    expect(r.err).toContain(
      'debug: config.yml: keys of other verbs, not used by lora chat: datasets, eval_data, output_dir, lora_r, lora_alpha, lora_target_linear, learning_rate, num_epochs, micro_batch_size, gradient_accumulation_steps, sequence_len, optimizer, bf16',
    );
  });

  test('eval --config asks which data when the config has both data and eval_data, and runs with --data', async () => {
    const both = join(root, 'both.yml');
    writeFileSync(both, 'model: model\ndata: data/train.jsonl\neval_data: data/eval.jsonl\n');
    const refused = await runCli(['eval', '--config', 'both.yml'], root);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toBe(
      `lora: both.yml line 3: eval_data: expected one value for data, got two (data on line 2 says "${join(root, 'data', 'train.jsonl')}", this says "${join(root, 'data', 'eval.jsonl')}"); keep one, or give --data\n`,
    );
    const r = await runCli(['eval', '--config', 'config.yml', '--data', evalFile, '--json'], root);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(lastLine(r.out)).tokens).toBeGreaterThan(0);
  });

  test('eval --config takes eval_data as its data from a training config', async () => {
    const r = await runCli(['eval', '--config', 'config.yml', '--json'], root);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(lastLine(r.out)).tokens).toBeGreaterThan(0);
  });

  test('a key no verb has is refused, with a did-you-mean over the aliases', async () => {
    const r = await runCli(['chat', '--config', 'typo.yml', 'hello'], root);
    expect(r.code).not.toBe(0);
    expect(r.err).toBe(
      'lora: typo.yml line 20: unknown key "lerning_rate" for lora chat (did you mean "learning_rate"?)\n',
    );
  });

  test('train notes a paged optimizer and bf16 on stderr (in file order) before anything else', async () => {
    const r = await runCli(['train', '--config', 'config.yml', '--model', 'absent'], root);
    expect(r.code).not.toBe(0);
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^note: config\.yml line 16: optimizer: runs plain AdamW/);
    expect(lines[1]).toMatch(
      /^note: config\.yml line 17: bf16: bfloat16 mixed precision is not implemented: this build computes in float32/,
    );
    expect(lines[2]).toMatch(/^lora: --model .*absent: expected a Hugging Face model folder/);
  });

  test('--optim adafactor is refused in one line naming what runs', async () => {
    const r = await runCli(['train', '--optim', 'adafactor', '--model', 'absent'], root);
    expect(r.code).not.toBe(0);
    expect(r.err).toBe(
      'lora: --optim: expected one of adamw_torch, adamw_torch_fused, adamw_hf, paged_adamw_32bit, adamw_8bit, adamw_bnb_8bit, paged_adamw_8bit, sgd, got "adafactor": Adafactor\'s factored second moments have no kernel in this build\n',
    );
  });

  test('an unknown flag gets a did-you-mean over the aliases', async () => {
    const r = await runCli(['train', '--num-train-epoch', '2'], root);
    expect(r.err).toBe(
      "lora: unknown option '--num-train-epoch' for lora train (did you mean --num-train-epochs?)\n",
    );
  });

  test('--help lists aliases and the defaults of boolean flags', async () => {
    const r = await runCli(['train', '--help'], root);
    expect(r.code).toBe(0);
    const help = r.out.replace(/\s+/g, ' ');
    expect(help).toContain('--lr <n> peak learning rate (default: 0.0002; also --learning-rate)');
    expect(help).toContain('(default: true; --no-shuffle turns it off)');
    expect(help).toContain('--packing pack examples');
    expect(help).toContain('(default: false; also --sample-packing)');
    expect(help).not.toContain('--learning-rate <n>');
  });

  test("merge, quantize and prepare refuse the config's output: when it is the training run's folder, saying why", async () => {
    const trained = await runCli(['train', '--config', 'own.yml', '--max-steps', '2'], root);
    expect(trained.code, trained.err).toBe(0);
    const run = join(root, 'runs', 'own');
    const why =
      "the config's output: is the training run's folder (a config shared with lora train gives it to every verb)";
    const merge = await runCli(['merge', '--config', 'own.yml', '--adapter', 'runs/own'], root);
    expect(merge.code).toBe(1);
    expect(merge.err).toBe(
      `lora: own.yml line 5: output ${run}: expected a folder apart from the command's inputs, got the --adapter ${run} itself (writing there would replace what it reads); ${why}: pass --output DIR for lora merge\n`,
    );
    for (const verb of ['quantize', 'prepare']) {
      const r = await runCli([verb, '--config', 'own.yml', '--overwrite'], root);
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        `lora: own.yml line 5: output ${run}: expected a folder for what lora ${verb} writes, got a training run's folder (it holds adapter_config.json, checkpoint-2, run_config.json); ${why}: pass --output DIR for lora ${verb}\n`,
      );
    }
    const flagged = await runCli(
      ['merge', '--config', 'own.yml', '--adapter', 'runs/own', '--output', 'merged'],
      root,
    );
    expect(flagged.code, flagged.err).toBe(0);
  });
});
