// Short float64 SGD runs on every weight of a tiny checkpoint against PyTorch (fixtures/golden.py train_case, llm.c's
// expected losses): the architectures added with a new mechanism (Mistral's and Phi-3's sliding window, Phi-3's fused
// projections, Gemma 2's post-norms, soft-capping and alternating windows) train as the reference does, step after step.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectClose } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CausalLM } from './causal-lm.js';
import { GOLDEN_BATCH, GOLDEN_CASES, GOLDEN_TRAINING, loadGolden } from './golden-cases.test-support.js';
import { stepStats64 } from './test-support.test-support.js';
import { tinyCheckpointTensors, writeTinyCheckpoint } from './tiny-checkpoint.js';

describe('a short float64 SGD run equals PyTorch', () => {
  const golden = loadGolden();
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lora-mistral-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test.each(GOLDEN_TRAINING)('$name: $steps steps of lr $lr on every weight', async (run) => {
    const c = GOLDEN_CASES.find((x) => x.name === run.name)!;
    const g = golden.training.find((x) => x.name === run.name)!;
    const dir = join(root, run.name);
    await writeTinyCheckpoint(dir, c.architecture, { dtype: c.dtype, seed: c.seed, overrides: c.overrides });
    const sha = createHash('sha256')
      .update(await readFile(join(dir, 'model.safetensors')))
      .digest('hex');
    expect(sha, 'the checkpoint golden.py trained').toBe(g.sha256);
    const { tensors, modelConfig } = tinyCheckpointTensors(c.architecture, {
      dtype: c.dtype,
      seed: c.seed,
      overrides: c.overrides,
    });
    const model = CausalLM.fromWeights(
      modelConfig,
      (name) => Float64Array.from((tensors[name] as { data: Float32Array }).data) as unknown as Float32Array,
    );
    model.setTrainable(() => true);
    const batch = {
      batch: GOLDEN_BATCH.batch,
      seqLen: GOLDEN_BATCH.seqLen,
      inputIds: Int32Array.from(GOLDEN_BATCH.inputIds),
      labels: Int32Array.from(GOLDEN_BATCH.labels),
      attentionMask: Uint8Array.from(GOLDEN_BATCH.attentionMask),
    };
    const losses: number[] = [];
    for (let step = 0; step <= run.steps; step++) {
      for (const p of model.parameters()) (p.grad as Float64Array).fill(0);
      const [lossSum, tokens] = stepStats64(model, batch, {
        training: false,
        backward: true,
        lossScale: 1 / 8,
      });
      expect(tokens).toBe(8);
      losses.push(lossSum! / tokens!);
      for (const p of model.parameters()) {
        const [w, dw] = [p.data as Float64Array, p.grad as Float64Array];
        for (let i = 0; i < w.length; i++) w[i]! -= run.lr * dw[i]!;
      }
    }
    // float64 on both sides but for the RoPE tables, float32 in both (torch's float32 cos/sin and JS's rounded ones
    // may differ by an ulp): the runs agree to ~4e-7 after 6 steps
    expectClose(losses, [...g.losses, g.final_loss], { rtol: 1e-6, atol: 0 }, 'mean loss per step');
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / run.drop);
  });
});
