// Non-finite weights and unreadable inputs end in one line on stderr naming the file, tensor, line or key — never a
// ±Inf model written with exit 0, a "non-finite loss" far from its cause, a RangeError with a stack, or silence.
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHost } from '@lora/core';
import { CausalLM } from '@lora/models';
import { injectLora, loraConfig, saveAdapter } from '@lora/peft';
import { SafetensorsFile, type TensorInput, writeSafetensors } from '@lora/safetensors';
import type { Tokenizer } from '@lora/tokenize';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

const root = tempDir('lora-cli-bad-values-');
let train = '';
let vocabSize = 0;

/** Rewrite the F32 safetensors file at `path` with `edit` applied to tensor `name`. */
async function spoil(path: string, name: string, edit: (d: Float32Array) => void): Promise<void> {
  const file = await SafetensorsFile.open(path);
  const tensors: Record<string, TensorInput> = {};
  for (const n of file.tensorNames()) {
    const data = await file.readF32(n);
    if (n === name) edit(data);
    tensors[n] = { dtype: 'F32', shape: file.info(n).shape, data };
  }
  await file.close();
  await writeSafetensors(path, tensors, { format: 'pt' });
}

/** A PEFT adapter on `model` for q_proj whose lora_B holds `value` everywhere (0 keeps it a no-op). */
async function writeAdapter(dir: string, value: number): Promise<void> {
  const model = await CausalLM.load(join(root, 'model'));
  const lm = injectLora(model, loraConfig({ r: 4, lora_alpha: 8, target_modules: ['q_proj'] }), { seed: 1 });
  for (const layer of lm.layers.values())
    writeHost(layer.loraB.data, new Float32Array(layer.loraB.data.length).fill(value));
  await saveAdapter(dir, lm);
}

/** One line on stderr, no stack, non-zero exit. */
function oneLineError(r: { code: number; err: string }): string {
  expect(r.code).not.toBe(0);
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  expect(r.err).not.toMatch(/\n\s+at /);
  return r.err.trim();
}

beforeAll(async () => {
  const tokenizer: Tokenizer = await writeTinyModel(join(root, 'model'), 'llama');
  vocabSize = tokenizer.vocabSize;
  train = (await writeTopicData(join(root, 'data'))).train;
  await writeTinyModel(join(root, 'nan-model'), 'llama');
  await spoil(join(root, 'nan-model', 'model.safetensors'), 'model.layers.1.mlp.up_proj.weight', (d) => {
    d[3] = Number.NaN;
    d[40] = Number.NaN;
  });
  await writeAdapter(join(root, 'huge-adapter'), 1e6);
  await writeAdapter(join(root, 'nan-adapter'), 0.01);
  await spoil(
    join(root, 'nan-adapter', 'adapter_model.safetensors'),
    'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight',
    (d) => (d[5] = Number.POSITIVE_INFINITY),
  );
});

describe('non-finite weights are refused by tensor, never written or trained on', () => {
  test('merge --dtype float16 refuses weights that overflow it, naming the tensor and the count', async () => {
    const r = await runCli(
      [
        'merge',
        '--model',
        'model',
        '--adapter',
        'huge-adapter',
        '--output',
        'merged16',
        '--dtype',
        'float16',
      ],
      root,
    );
    const line = oneLineError(r);
    expect(line).toMatch(
      /^lora merge: tensor "model\.layers\.\d+\.self_attn\.q_proj\.weight": expected values that fit float16 \(\|x\| <= 65504\), got \d+ of \d+ that would be written as ±Infinity \(largest \|x\| [\d.]+e\+\d+\)( \(and \d+ more tensors?\))?; use --dtype float32 or bfloat16; nothing was written$/,
    );
    expect(existsSync(join(root, 'merged16', 'model.safetensors'))).toBe(false);
  });

  test('the same merge into bfloat16 fits and is written', async () => {
    const r = await runCli(
      [
        'merge',
        '--model',
        'model',
        '--adapter',
        'huge-adapter',
        '--output',
        'merged-bf16',
        '--dtype',
        'bfloat16',
      ],
      root,
    );
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(root, 'merged-bf16', 'model.safetensors'))).toBe(true);
  });

  test('quantize refuses a NaN base weight, naming the file and tensor', async () => {
    const r = await runCli(['quantize', '--model', 'nan-model', '--output', 'q-nan'], root);
    expect(oneLineError(r)).toBe(
      `lora: ${join(root, 'nan-model', 'model.safetensors')}: tensor "model.layers.1.mlp.up_proj.weight": expected finite values, got 2 non-finite of 2048 (first: element 3 is NaN)`,
    );
    expect(existsSync(join(root, 'q-nan', 'model.safetensors'))).toBe(false);
  });

  test('train on a NaN base names the tensor at load, not as a non-finite loss', async () => {
    const r = await runCli(
      [
        'train',
        '--model',
        'nan-model',
        '--data',
        train,
        '--output',
        'out-nan',
        '--max-steps',
        '1',
        '--quant',
        'none',
      ],
      root,
    );
    const line = oneLineError(r);
    expect(line).toContain('tensor "model.layers.1.mlp.up_proj.weight": expected finite values');
    expect(line).not.toMatch(/non-finite loss|learning rate/);
  });

  test('an adapter holding Infinity is refused by file and key', async () => {
    const r = await runCli(
      ['merge', '--model', 'model', '--adapter', 'nan-adapter', '--output', 'merged-inf'],
      root,
    );
    expect(oneLineError(r)).toBe(
      `lora: ${join(root, 'nan-adapter', 'adapter_model.safetensors')}: tensor "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight": expected finite values, got 1 non-finite of 128 (first: element 5 is Infinity)`,
    );
  });
});

describe('inputs that are not what they should be are one line naming the path', () => {
  const base = (data: string) => [
    'train',
    '--model',
    'model',
    '--data',
    data,
    '--output',
    'out',
    '--max-steps',
    '1',
  ];

  test('--model that is a file says so (and names the folder it is in)', async () => {
    const r = await runCli(['train', '--model', join('model', 'config.json'), '--data', train], root);
    expect(oneLineError(r)).toBe(
      `lora: --model ${join(root, 'model', 'config.json')}: expected a Hugging Face model folder (config.json, *.safetensors, tokenizer.json), got a file (pass the folder that holds it, ${join(root, 'model')})`,
    );
  });

  test.each([
    ['a directory', 'folder.jsonl', () => mkdirSync(join(root, 'folder.jsonl')), 'a directory'],
    [
      '/dev/zero',
      'zero.jsonl',
      () => symlinkSync('/dev/zero', join(root, 'zero.jsonl')),
      'a character device',
    ],
  ])('--data that is %s', async (_, name, make, got) => {
    make();
    const r = await runCli(base(name), root);
    expect(oneLineError(r)).toBe(`lora: ${join(root, name)}: expected a readable dataset file, got ${got}`);
  });

  test('--data with bytes that are not UTF-8 names the file, line and byte offset', async () => {
    const good = JSON.stringify({ instruction: 'Say hi', input: '', output: 'hi' });
    writeFileSync(
      join(root, 'latin1.jsonl'),
      Buffer.concat([
        Buffer.from(`${good}\n{"instruction": "caf`),
        Buffer.from([0xe9]),
        Buffer.from('", "output": "x"}\n'),
      ]),
    );
    const r = await runCli(base('latin1.jsonl'), root);
    expect(oneLineError(r)).toMatch(
      new RegExp(
        `latin1\\.jsonl line 2: expected UTF-8 text, got byte 0xe9 at byte offset ${good.length + 21}; re-save it as UTF-8`,
      ),
    );
  });

  test('pre-tokenized data with an id past the vocabulary names the file and line before step 1', async () => {
    const ids = (extra: number[]) => JSON.stringify({ input_ids: [5, 6, 7, 8, ...extra] });
    writeFileSync(join(root, 'ids.jsonl'), `${ids([])}\n${ids([])}\n${ids([vocabSize + 3])}\n`);
    const r = await runCli(base('ids.jsonl'), root);
    expect(oneLineError(r)).toBe(
      `lora: ${join(root, 'ids.jsonl')} line 3: input_ids[4]: expected a token id of the tokenizer's vocabulary (${vocabSize} tokens), got ${vocabSize + 3}`,
    );
  });

  test('a sweep whose every trial fails says so on stderr', async () => {
    writeFileSync(join(root, 'empty.jsonl'), '\n');
    writeFileSync(
      join(root, 'sweep.yml'),
      'model: model\ndata: empty.jsonl\noutput: sweep-out\nmax_steps: 1\nsweep:\n  parameters:\n    lora_r: [4, 8]\n',
    );
    const r = await runCli(['sweep', '--config', 'sweep.yml'], root);
    expect(oneLineError(r)).toMatch(
      /^lora sweep: expected a trial with an eval_loss value, got 2 of 2 failed, the first \(01_lora_r-4\) with: .*empty\.jsonl: expected at least one record, got an empty file; see .*sweep_report\.md$/,
    );
  });
});
