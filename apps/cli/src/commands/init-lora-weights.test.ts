// --init-lora-weights (PEFT's init_lora_weights): PiSSA and OLoRA start from the base weight and train on a residual
// base, so the final adapter is saved as the plain LoRA of the original base that computes the same — `lora eval`
// on the untouched base then gives the loss the run measured on its own weights.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { lastLine, runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';
import { writeTinyModel, writeTopicData } from '../test-support/tiny-models.js';

const root = tempDir('lora-cli-init-');
let data = { train: '', eval: '' };

beforeAll(async () => {
  await writeTinyModel(join(root, 'model'), 'qwen2');
  data = await writeTopicData(join(root, 'data'));
}, 120_000);

const train = (output: string, init: string) => [
  'train',
  ...['--model', 'model', '--data', data.train, '--eval-data', data.eval, '--output', output],
  ...['--quant', 'none', '--lora-r', '4', '--lora-dropout', '0', '--batch-size', '4', '--max-steps', '4'],
  ...['--eval-steps', '4', '--eval-prompts', '0', '--lr', '1e-2', '--init-lora-weights', init],
];

describe('--init-lora-weights', () => {
  test.each(['pissa', 'pissa_niter_4', 'olora'])(
    '%s: the saved adapter is a rank-2r plain LoRA of the original base with the loss the run measured',
    async (init) => {
      const r = await runCli(train(init, init), root);
      expect(r.code, r.err).toBe(0);
      const runConfig = JSON.parse(readFileSync(join(root, init, 'run_config.json'), 'utf8'));
      expect(runConfig.init_lora_weights).toBe(init);
      const adapter = JSON.parse(readFileSync(join(root, init, 'adapter_config.json'), 'utf8'));
      expect(adapter.init_lora_weights).toBe(true);
      expect(adapter.r).toBe(8);
      const measured = JSON.parse(readFileSync(join(root, init, 'eval_results.json'), 'utf8')).after.loss;
      const e = await runCli(
        ['eval', '--model', 'model', '--adapter', init, '--data', data.eval, '--json', '--quant', 'none'],
        root,
      );
      expect(e.code, e.err).toBe(0);
      expect(Math.abs(JSON.parse(lastLine(e.out)).loss - measured)).toBeLessThan(1e-4);
    },
    120_000,
  );

  test('a value PEFT does not know is refused, listing what it takes', async () => {
    const r = await runCli(train('loftq', 'loftq'), root);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /--init-lora-weights: expected one of true, false, gaussian, pissa, olora, pissa_niter_<K>, got "?loftq"?/,
    );
  });

  test('--resume with another init is refused: the checkpoint was initialised from the base', async () => {
    const r = await runCli([...train('pissa', 'true'), '--resume'], root);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--init-lora-weights pissa → true/);
  });
});
