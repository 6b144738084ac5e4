// Setup 5: a GPT-2 domain fine-tune — a sweep over lr × batch × rank, perplexity and domain prompts, memory
// plan (test-support/setup-layout.ts: the layout, its tiny checkpoint with the real tokenizer, the helpers).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatBytes } from '@lora/sft';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { beforeAll, expect, test } from 'vitest';
import { lastLine } from '../test-support/capture-io.js';
import { expectPerplexityOfLoss, setupLayout, shapes } from '../test-support/setup-layout.js';

const layout = setupLayout('lora-cli-setup-gpt2-sweep-');
const { at, json, example, lora } = layout;

describeWithFixtures('a fine-tuning setup, on a tiny checkpoint with the real tokenizer', () => {
  beforeAll(() => layout.withModel('gpt2'));

  test('5. GPT-2 domain fine-tune: a sweep over lr × batch × rank, perplexity and domain prompts before/after, memory plan', async () => {
    writeFileSync(
      at('data', 'llama_data.jsonl'),
      readFileSync(sharedFixture('datasets', 'huatuo-med-chinese', 'llama_data.jsonl'), 'utf8')
        .split('\n')
        .slice(0, 40)
        .join('\n'),
    );
    // the example's grid has 8 points; three seeded random ones vary every parameter (1e-4/8/8, 3e-4/16/8, 1e-4/8/4)
    const sweepConfig = example('gpt2-domain-sweep.yml', (c) => {
      c.sweep = { ...(c.sweep as object), method: 'random', trials: 3, seed: 1 };
    });
    const swept = await lora(
      ...['sweep', '--config', sweepConfig, '--max-steps', '2', '--max-length', '32'],
      ...['--eval-steps', '2', '--save-steps', '2', '--logging-steps', '1'],
    );
    const out = at('runs', 'gpt2-medical-sweep');
    const comparison = json(out, 'metrics_comparison.json');
    expect(comparison).toMatchObject({ method: 'random', metric: 'eval_loss' });
    expect(comparison.trials.map((t: { params: unknown }) => t.params)).toEqual([
      { lr: 1e-4, lora_r: 8, batch_size: 8 },
      { lr: 3e-4, lora_r: 16, batch_size: 8 },
      { lr: 1e-4, lora_r: 8, batch_size: 4 },
    ]);
    const numbers = ['best_eval_loss', 'final_eval_loss', 'train_loss', 'wall_seconds', 'peak_memory_mb'];
    for (const trial of comparison.trials) {
      expect(trial.status).toBe('ok');
      for (const key of [...numbers, 'predicted_memory_mb', 'tokens_per_sec'])
        expect(Number.isFinite(trial[key]), `${trial.name} ${key}`).toBe(true);
      expect(trial.steps).toBe(2);
      expect(trial.trainable_params).toBe(512 * trial.params.lora_r); // 2 layers × r·(16+48 + 16+16 + 16+64 + 64+16)
      // perplexity before and after on the held-out 5%, in each trial's run folder
      const results = json(out, trial.name, 'eval_results.json');
      expectPerplexityOfLoss(results.before);
      expectPerplexityOfLoss(results.after);
      expect(results.after.loss).toBe(trial.final_eval_loss);
    }
    const best = [...comparison.trials].sort((a, b) => a.best_eval_loss - b.best_eval_loss)[0];
    expect(comparison.best).toBe(best.name);
    const report = readFileSync(join(out, 'sweep_report.md'), 'utf8');
    expect(report).toContain(`- Best eval_loss: **${best.name}** (${best.best_eval_loss.toFixed(4)})`);
    for (const key of ['lr', 'lora_r', 'batch_size'])
      expect(report).toMatch(new RegExp(`^- \\*\\*${key}\\*\\*: `, 'm'));

    // memory: lora plan from config.json alone, part by part; with a trial's settings it is the plan that trial
    // printed (every example is cut to 32 tokens, so the longest is --max-length)
    const r = await lora(
      ...['plan', '--config', example('gpt2-domain.yml'), '--lora-r', '16', '--batch-size', '8'],
      ...['--max-length', '32', '--json'],
    );
    const plan = JSON.parse(lastLine(r.out));
    expect(plan.model).toMatchObject({ architecture: 'gpt2', layers: 2, hidden: 16, vocab: 50257 });
    const parts = ['runtime', 'tokenizer', 'baseWeights', 'adapter', 'gradients', 'optimizer', 'activations'];
    for (const part of [...parts, 'loraBuffers', 'logitsChunk'])
      expect(plan.parts[part], part).toBeGreaterThan(0);
    expect(plan.parts.staging, 'a float32 base on the wasm backend: every operand is used in place').toBe(0);
    expect(plan.total).toBe(Math.max(...(Object.values(plan.peaks) as number[])));
    const weights = shapes(at('models', 'gpt2', 'model.safetensors'));
    expect(plan.counts.baseParameters).toBe(
      Object.values(weights).reduce((n, shape) => n + shape.reduce((a, b) => a * b, 1), 0),
    );
    const trial = comparison.trials[1];
    expect(plan.counts.adapterParameters).toBe(trial.trainable_params);
    expect(trial.predicted_memory_mb * 2 ** 20).toBe(plan.total);
    expect(swept.out).toContain(`memory plan: ${formatBytes(plan.total)} at peak`);

    // a domain prompt (HuaTuo's inference questions) completed by the base and by the best trial's adapter
    const infer = readFileSync(sharedFixture('datasets', 'huatuo-med-chinese', 'infer.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const prompt = (JSON.parse(infer[0]!) as { instruction: string }).instruction;
    const raw = ['--raw', '--prompt', prompt, '--temperature', '0', '--max-new-tokens', '8'];
    const before = await lora('generate', '--model', 'models/gpt2', ...raw);
    const after = await lora('generate', '--adapter', join(out, best.name), ...raw);
    expect(after.err).toContain(`model: ${at('models', 'gpt2')} + adapter ${join(out, best.name)}`);
    for (const completion of [before.out, after.out]) {
      expect(completion.startsWith(prompt)).toBe(true);
      expect(completion.trimEnd().length).toBeGreaterThan(prompt.length);
    }
  });
});
