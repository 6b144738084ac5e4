// Setup 2: Alpaca instruction/output SFT on the TinyLlama tokenizer, with its optimizer state and an exact
// --resume (test-support/setup-layout.ts: the layout, its tiny checkpoint with the real tokenizer, the
// helpers).
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getChatFormat } from '@lora/chatml';
import { loadDataset, tokenizeDataset } from '@lora/datasets';
import { parseSafetensors } from '@lora/safetensors';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import type { Tokenizer } from '@lora/tokenize';
import { beforeAll, expect, test } from 'vitest';
import { checkpoints, expectPerplexityOfLoss, setupLayout, shapes } from '../test-support/setup-layout.js';

const layout = setupLayout('lora-cli-setup-alpaca-tinyllama-');
const { at, json, example, lora } = layout;
let tokenizer: Tokenizer;

describeWithFixtures('a fine-tuning setup, on a tiny checkpoint with the real tokenizer', () => {
  beforeAll(async () => {
    tokenizer = await layout.withModel('TinyLlama-1.1B-Chat-v1.0');
  });

  test('2. Alpaca instruction/output SFT on the TinyLlama tokenizer: <s> … </s>, perplexity, optimizer state, exact --resume', async () => {
    const file = at('data', 'alpaca_en_demo.json');
    const rows = JSON.parse(
      readFileSync(sharedFixture('datasets', 'llama-factory', 'alpaca_en_demo.json'), 'utf8'),
    );
    writeFileSync(file, JSON.stringify(rows.slice(0, 24)));
    const config = example('tinyllama-alpaca-instruction.yml');
    const args = (output: string) => [
      ...['train', '--config', config, '--output', output, '--max-steps', '4', '--batch-size', '2'],
      ...['--grad-accum', '1', '--eval-steps', '2', '--save-steps', '2', '--lr', '5e-3'],
      ...['--eval-prompts', '2', '--max-new-tokens', '2'],
    ];
    const full = await lora(...args('runs/alpaca-full'));

    // every example is <s> prompt (untrained) output </s> (trained), as the Alpaca format renders it
    expect([tokenizer.bosTokenId, tokenizer.eosTokenId]).toEqual([1, 2]); // the real Llama-2 ids
    const { examples } = await loadDataset(file, { format: 'alpaca' });
    const redone = tokenizeDataset(examples, tokenizer, {
      chatFormat: getChatFormat('alpaca'),
      maxLength: 512,
      trainOn: 'assistant',
    });
    for (const e of redone.examples) {
      expect(e.inputIds[0]).toBe(1);
      expect(e.labels[0]).toBe(-100);
      if (e.inputIds.length === 512) continue; // cut at --max-length, EOS and all (counted below)
      expect(e.inputIds.at(-1)).toBe(2);
      expect(e.labels.at(-1)).toBe(2); // the EOS trains: the model learns to stop
    }
    expect(redone.stats.truncated).toBe(1); // the crepes recipe
    expect(full.out).toMatch(/ 1 truncated \(\d+ tokens cut\)/);
    const count = (pattern: RegExp) => pattern.exec(full.out)!.slice(1).map(Number);
    const [trainTokens, trainTrained] = count(
      /^train \(alpaca data, alpaca format\): 22\/22 examples, (\d+) tokens \((\d+) trained\)/m,
    );
    const [evalTokens, evalTrained] = count(/^eval: 2\/2 examples, (\d+) tokens \((\d+) trained\)/m);
    expect(trainTokens! + evalTokens!).toBe(redone.stats.tokens);
    expect(trainTrained! + evalTrained!).toBe(redone.stats.labelTokens);

    // perplexity before and after, as printed and as written
    const results = json('runs', 'alpaca-full', 'eval_results.json');
    expectPerplexityOfLoss(results.before);
    expectPerplexityOfLoss(results.after);
    expect(results.after.loss).toBeLessThan(results.before.loss);
    expect(full.out).toContain(
      `before training: eval loss ${results.before.loss.toFixed(4)}, perplexity ${results.before.perplexity.toFixed(3)}`,
    );
    expect(full.out).toContain(
      `after training: eval loss ${results.after.loss.toFixed(4)}, perplexity ${results.after.perplexity.toFixed(3)}`,
    );

    // a checkpoint holds what resuming needs: the trainable tensors, AdamW's moments, scheduler, RNG, data position
    const checkpoint = at('runs', 'alpaca-full', 'checkpoint-2');
    expect(readdirSync(checkpoint).sort()).toEqual([
      ...['adapter_config.json', 'adapter_model.safetensors', 'data_state.json', 'optimizer.safetensors'],
      ...[
        'rng_state.json',
        'run_config.json',
        'scheduler.json',
        'trainable.safetensors',
        'trainer_state.json',
      ],
    ]);
    const trainable = shapes(join(checkpoint, 'trainable.safetensors'));
    expect(Object.keys(trainable)).toHaveLength(2 * 7 * 2); // 2 layers × all-linear × (A, B)
    const optimizer = parseSafetensors(readFileSync(join(checkpoint, 'optimizer.safetensors')));
    expect(optimizer.metadata).toMatchObject({ optimizer: 'adamw_torch', step: '2', betas: '[0.9,0.999]' });
    for (const [name, shape] of Object.entries(trainable)) {
      expect(optimizer.info(`${name}.exp_avg`).shape).toEqual(shape);
      const second = optimizer.readF32(`${name}.exp_avg_sq`);
      expect(second.every((v) => v >= 0)).toBe(true);
    }
    expect(
      Object.keys(trainable).some((name) => optimizer.readF32(`${name}.exp_avg`).some((v) => v !== 0)),
    ).toBe(true);
    expect(json(checkpoint, 'scheduler.json').last_epoch).toBe(2);
    expect(json(checkpoint, 'data_state.json')).toMatchObject({
      num_examples: 22,
      batch_size: 2,
      batch_in_epoch: 2,
    });

    // a run stopped after checkpoint-2 (the checkpoint is all it left) resumes to the same adapter, byte for byte
    cpSync(checkpoint, at('runs', 'alpaca-resumed', 'checkpoint-2'), { recursive: true });
    const resumed = await lora(...args('runs/alpaca-resumed'), '--resume');
    expect(resumed.out).toMatch(/^resuming from .*alpaca-resumed\/checkpoint-2$/m);
    expect(checkpoints(at('runs', 'alpaca-resumed'))).toEqual(['checkpoint-2', 'checkpoint-4']);
    const bytes = (run: string) => readFileSync(at('runs', run, 'adapter_model.safetensors'));
    expect(bytes('alpaca-resumed').equals(bytes('alpaca-full'))).toBe(true);
    expect(json('runs', 'alpaca-resumed', 'eval_results.json').after).toEqual(results.after);
  });
});
