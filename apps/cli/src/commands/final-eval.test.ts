// The end of a run: the held-out loss is computed once (the trainer's evaluation of the last step is the final one
// when its cadence made one), and a run too short to log still reports its memory (a sweep's peak_memory_mb).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as sft from '@lora/sft';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';
import { finalEvaluation } from '../training-run.js';

// the CLI's own evaluations (before and after training) go through @lora/sft's evaluateModel export; the trainer's
// cadence evaluations do not, so the spy counts exactly what the CLI computes
vi.mock('@lora/sft', async (original) => {
  const actual = await original<typeof sft>();
  return { ...actual, evaluateModel: vi.fn(actual.evaluateModel) };
});

const root = tempDir('lora-cli-final-eval-');
let data = { train: '', eval: '' };
let runCli: typeof import('../test-support/capture-io.js').runCli;
let evaluateModel: typeof sft.evaluateModel;

beforeAll(async () => {
  // the test files share a module cache: another file may have loaded the CLI with the real @lora/sft, so the CLI
  // (and the mocked module it sees) are loaded afresh here
  vi.resetModules();
  ({ runCli } = await import('../test-support/capture-io.js'));
  ({ evaluateModel } = await import('@lora/sft'));
  await writeTinyModel(join(root, 'model'), 'llama');
  data = await writeTopicData(join(root, 'data'));
});

const train = (output: string, extra: string[]) => [
  'train',
  ...['--model', 'model', '--data', data.train, '--eval-data', data.eval, '--output', output],
  ...['--quant', 'none', '--lora-r', '2', '--batch-size', '4', '--max-steps', '4', '--eval-prompts', '0'],
  ...extra,
];

describe('the final evaluation', () => {
  test.each([
    ['the last step is on the eval cadence: evaluated before, and not again after', ['--eval-steps', '2'], 1],
    ['the last step is off the cadence: evaluated before and after', ['--eval-steps', '3'], 2],
  ])('%s', async (_, extra, cliEvaluations) => {
    const spy = vi.mocked(evaluateModel);
    spy.mockClear();
    const output = `run-${extra[1]}`;
    const r = await runCli(train(output, extra), root);
    expect(r.code, r.err).toBe(0);
    expect(spy).toHaveBeenCalledTimes(cliEvaluations);
    // either way the final loss is the held-out loss of the trained weights at step 4
    const results = JSON.parse(readFileSync(join(root, output, 'eval_results.json'), 'utf8'));
    const logged = readFileSync(join(root, output, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; eval_loss?: number });
    const atEnd = logged.find((e) => e.step === 4 && e.eval_loss !== undefined);
    if (cliEvaluations === 1) expect(results.after.loss).toBe(atEnd?.eval_loss);
    else expect(atEnd).toBeUndefined();
    expect(results.after.loss).toBeLessThan(results.before.loss);
  });

  test.each<[sft.MetricsEntry[], number, { loss: number; perplexity: number } | undefined]>([
    [[{ step: 2, epoch: 1, eval_loss: 1.5, eval_perplexity: 4.48 }], 4, undefined],
    [[{ step: 4, epoch: 2, eval_loss: 1.2, eval_perplexity: 3.32 }], 4, { loss: 1.2, perplexity: 3.32 }],
    [[{ step: 4, epoch: 2, loss: 1.1 }], 4, undefined],
  ])('finalEvaluation(%j, %d) → %j', (entries, step, expected) => {
    expect(finalEvaluation(entries, step)).toEqual(expected);
  });
});

describe('memory of a run too short to log', () => {
  test("a sweep trial with no logging step still reports peak_memory_mb (the process's RSS high-water mark)", async () => {
    writeFileSync(
      join(root, 'sweep.yml'),
      [
        'model: model',
        `data: ${data.train}`,
        `eval_data: ${data.eval}`,
        'output: sweep',
        'quant: none',
        'lora_r: 2',
        'max_steps: 2',
        'logging_steps: 1000',
        'eval_prompts: 0',
        'sweep:',
        '  method: grid',
        '  parameters:',
        '    lr: [1.0e-3]',
        '',
      ].join('\n'),
    );
    const r = await runCli(['sweep', '--config', 'sweep.yml'], root);
    expect(r.code, r.err).toBe(0);
    const comparison = JSON.parse(readFileSync(join(root, 'sweep', 'metrics_comparison.json'), 'utf8'));
    const [trial] = comparison.trials;
    expect(trial.status).toBe('ok');
    expect(trial.peak_memory_mb).toBeGreaterThan(10);
    expect(readFileSync(join(root, 'sweep', trial.name, 'metrics.jsonl'), 'utf8')).not.toContain(
      'peak_memory_mb',
    );
  });
});
