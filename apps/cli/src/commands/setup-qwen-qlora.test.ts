// Setup 1: the Qwen2.5-1.5B QLoRA recipe — two sources prepared into a seeded ChatML split, then NF4 r16 on
// all seven projections (test-support/setup-layout.ts: the layout, its tiny checkpoint with the real
// tokenizer, the helpers).
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors } from '@lora/safetensors';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { beforeAll, expect, test } from 'vitest';
import {
  checkpoints,
  expectPerplexityOfLoss,
  setupLayout,
  sha256,
  shapes,
} from '../test-support/setup-layout.js';

const layout = setupLayout('lora-cli-setup-qwen-qlora-');
const { at, json, lines, example, lora } = layout;

describeWithFixtures('a fine-tuning setup, on a tiny checkpoint with the real tokenizer', () => {
  beforeAll(() => layout.withModel('Qwen2.5-1.5B-Instruct'));

  test('1. Qwen2.5-1.5B QLoRA recipe: two sources → seeded 90/10 ChatML split → NF4 r16 on all 7 projections', async () => {
    // 25 Stanford Alpaca rows around one with an empty output (index 2335), and MedicalGPT's ShareGPT conversations
    const alpaca = JSON.parse(
      readFileSync(sharedFixture('datasets', 'stanford_alpaca', 'alpaca_5000.json'), 'utf8'),
    );
    writeFileSync(at('data', 'alpaca_data.json'), JSON.stringify(alpaca.slice(2320, 2345)));
    copyFileSync(
      sharedFixture('datasets', 'medicalgpt', 'medical_sft_1K_format.jsonl'),
      at('data', 'medical_sft_1K_format.jsonl'),
    );
    const data = example('qwen2.5-1.5b-qlora-data.yml', (c) => {
      (c.sources as { sample?: number }[])[1]!.sample = 3; // 500 of the 1,000 conversations in the recipe
    });
    const prepared = await lora('prepare', '--config', data);
    expect(prepared.out).toMatch(
      /alpaca_data\.json: 25 records, 24 examples as alpaca, 24 used, 1 skipped \(empty target/,
    );
    expect(prepared.out).toMatch(
      /medical_sft_1K_format\.jsonl: 1000 records, 1000 examples as messages, 3 used/,
    );
    const train = lines('data', 'qwen2.5-sft', 'train.jsonl');
    const held = lines('data', 'qwen2.5-sft', 'eval.jsonl');
    expect([train.length, held.length]).toEqual([24, 3]); // n = 27, n_eval = ceil(0.1 · 27)
    expect(new Set([...train, ...held]).size).toBe(27);
    for (const line of [...train, ...held]) {
      const { messages } = JSON.parse(line) as { messages: { role: string; content: string }[] };
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(messages[1]!.content).not.toBe('');
    }
    // the same seed writes the same bytes; another seed another split of the same sizes
    await lora('prepare', '--config', data, '--output', 'data/again');
    expect(readFileSync(at('data', 'again', 'train.jsonl'), 'utf8')).toBe(`${train.join('\n')}\n`);
    expect(readFileSync(at('data', 'again', 'eval.jsonl'), 'utf8')).toBe(`${held.join('\n')}\n`);
    await lora('prepare', '--config', data, '--output', 'data/seed7', '--seed', '7');
    expect(lines('data', 'seed7', 'train.jsonl')).not.toEqual(train);
    expect(lines('data', 'seed7', 'eval.jsonl')).toHaveLength(3);

    const config = example('qwen2.5-1.5b-qlora-recipe.yml');
    const r = await lora(
      ...['train', '--config', config, '--max-steps', '4', '--eval-steps', '2', '--save-steps', '2'],
      ...['--eval-prompts', '2', '--max-new-tokens', '2'],
    );
    expect(r.err).toMatch(/^note: qwen2\.5-1\.5b-qlora-recipe\.yml line \d+: optim: runs plain AdamW/);
    expect(r.out).toMatch(/^train \(messages data, chatml format\): 24\/24 examples, \d+ tokens/m);
    expect(r.out).toMatch(/^eval: 3\/3 examples/m);
    expect(r.out).toMatch(/NF4 \+ double quant 4-bit base; trainable params: 8,192 \|\| all params: /);
    expect(r.out).toContain('training: 4 steps (24 examples, batch 1 × 4 accumulation)');
    const run = at('runs', 'qwen2.5-1.5b-qlora-recipe');
    const seven = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
    const runConfig = json('runs', 'qwen2.5-1.5b-qlora-recipe', 'run_config.json');
    expect(runConfig).toMatchObject({
      ...{ quant: 'nf4', double_quant: true, lora_r: 16, lora_alpha: 32, lora_dropout: 0.05 },
      ...{ target_modules: seven, batch_size: 1, grad_accum: 4, lr: 2e-4, epochs: 1, max_length: 512 },
      ...{ optim: 'paged_adamw_32bit', eval_steps: 2, save_steps: 2, chat_format: 'chatml', steps: 4 },
      trainable_params: 8192,
    });
    expect(runConfig.data_file.sha256).toBe(sha256(at('data', 'qwen2.5-sft', 'train.jsonl')));
    expect(checkpoints(run)).toEqual(['checkpoint-2', 'checkpoint-4']);
    for (const step of [2, 4]) {
      expect(json(run, `checkpoint-${step}`, 'trainer_state.json').global_step).toBe(step);
      expect(
        parseSafetensors(readFileSync(join(run, `checkpoint-${step}`, 'optimizer.safetensors'))).metadata
          ?.step,
      ).toBe(String(step));
    }
    const adapter = json(run, 'adapter_config.json');
    expect(adapter).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: 16,
      lora_alpha: 32,
      lora_dropout: 0.05,
    });
    expect([...adapter.target_modules].sort()).toEqual([...seven].sort());
    // PEFT's tensor names and shapes: lora_A (r, in), lora_B (out, r); hidden 16, one KV head of 8, MLP 32
    const dims: Record<string, [number, number]> = {
      ...{ q_proj: [16, 16], k_proj: [16, 8], v_proj: [16, 8], o_proj: [16, 16] },
      ...{ gate_proj: [16, 32], up_proj: [16, 32], down_proj: [32, 16] },
    };
    const expected: Record<string, number[]> = {};
    for (const layer of [0, 1])
      for (const [name, [fanIn, fanOut]] of Object.entries(dims)) {
        const block = ['q_proj', 'k_proj', 'v_proj', 'o_proj'].includes(name) ? 'self_attn' : 'mlp';
        const prefix = `base_model.model.model.layers.${layer}.${block}.${name}`;
        expected[`${prefix}.lora_A.weight`] = [16, fanIn];
        expected[`${prefix}.lora_B.weight`] = [fanOut, 16];
      }
    expect(shapes(join(run, 'adapter_model.safetensors'))).toEqual(expected);
    const results = json(run, 'eval_results.json');
    expectPerplexityOfLoss(results.before);
    expectPerplexityOfLoss(results.after);
    expect(results.after.total).toBe(2);
    const evals = json(run, 'trainer_state.json').log_history.filter(
      (e: { eval_loss?: number }) => 'eval_loss' in e,
    );
    expect(evals.map((e: { step: number }) => e.step)).toEqual([2, 4]);
    expect(results.after.loss).toBeCloseTo(evals[1].eval_loss, 9); // the final evaluation is the step-4 one
  });
});
