// The sgd and adamw8bit reference kernels against PyTorch (fixtures/optimizers-torch.py writes the JSON):
// torch.optim.SGD itself, and bitsandbytes' 8-bit blockwise AdamW re-implemented in float32 PyTorch from its CUDA
// kernel, with bitsandbytes' create_dynamic_map for the two code maps.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { createDynamicMap } from '../../dynamic-map.js';
import { adamw8bit } from './adamw8bit.js';
import { sgd } from './sgd.js';

type Nums = number[];
interface Golden {
  torch: string;
  qmap1: Nums;
  qmap2: Nums;
  sgd: { n: number; lr: number; weightDecay: number; param0: Nums; steps: { grad: Nums; param: Nums }[] }[];
  adamw8bit: {
    n: number;
    lr: number;
    beta1: number;
    beta2: number;
    eps: number;
    weightDecay: number;
    gradScale: number;
    param0: Nums;
    steps: { grad: Nums; param: Nums; state1: Nums; state2: Nums; absmax1: Nums; absmax2: Nums }[];
  }[];
}

const here = dirname(fileURLToPath(import.meta.url));
const golden = JSON.parse(
  readFileSync(join(here, '../../../fixtures/optimizers-torch.json'), 'utf8'),
) as Golden;
const f32 = (values: Nums): Float32Array => Float32Array.from(values);

/** How many codes differ, and by how many steps at most. */
function codeDiff(actual: Uint8Array, expected: Nums): { count: number; most: number } {
  let [count, most] = [0, 0];
  expected.forEach((c, i) => {
    const d = Math.abs(actual[i]! - c);
    if (d > 0) [count, most] = [count + 1, Math.max(most, d)];
  });
  return { count, most };
}

describe(`optimizer kernels against PyTorch ${golden.torch}`, () => {
  test.each([
    ['signed', true, golden.qmap1],
    ['unsigned', false, golden.qmap2],
  ] as const)('create_dynamic_map %s: bit-exact', (_, signed, map) => {
    expect(Array.from(createDynamicMap(signed))).toEqual(Array.from(f32(map)));
  });

  test.each(golden.sgd)('three torch.optim.SGD steps (lr $lr, weight decay $weightDecay)', (g) => {
    const param = f32(g.param0);
    g.steps.forEach((s, i) => {
      sgd({ param, grad: f32(s.grad), lr: g.lr, weightDecay: g.weightDecay, n: g.n });
      // torch fuses a + alpha·b into one float32 operation; the reference rounds the same value once: bit for bit
      // but for a tie, so 1 ulp
      expectClose(param, s.param, { rtol: 1.2e-7, atol: 1e-9 }, `param after step ${i + 1}`);
    });
  });

  // bitsandbytes runs in float32 with fused multiply-adds and __fdividef; the reference rounds each stored value once.
  // Params agree to float32 rounding; a moment within an ulp of a midpoint between two codes may take the other one
  // (then the next step's moment differs by that code's step, and the param by lr times a fraction of it).
  test.each(golden.adamw8bit)(
    'five bitsandbytes AdamW8bit steps (n $n, lr $lr, betas $beta1/$beta2, wd $weightDecay, gradScale $gradScale)',
    (g) => {
      const param = f32(g.param0);
      const blocks = Math.ceil(g.n / 256);
      const state = {
        state1: new Uint8Array(g.n),
        state2: new Uint8Array(g.n),
        absmax1: new Float32Array(blocks),
        absmax2: new Float32Array(blocks),
        qmap1: f32(golden.qmap1),
        qmap2: f32(golden.qmap2),
      };
      const { n, lr, beta1, beta2, eps, weightDecay } = g;
      const gradScale = Float32Array.of(g.gradScale);
      g.steps.forEach((s, i) => {
        adamw8bit({
          ...state,
          param,
          grad: f32(s.grad),
          step: i + 1,
          lr,
          beta1,
          beta2,
          eps,
          weightDecay,
          n,
          gradScale,
        });
        const at = `after step ${i + 1}`;
        expectClose(param, s.param, { rtol: 2e-6, atol: 1e-7 }, `param ${at}`);
        expectClose(state.absmax1, s.absmax1, { rtol: 4e-6, atol: 0 }, `absmax1 ${at}`);
        expectClose(state.absmax2, s.absmax2, { rtol: 4e-6, atol: 0 }, `absmax2 ${at}`);
        for (const [key, codes, want] of [
          ['state1', state.state1, s.state1],
          ['state2', state.state2, s.state2],
        ] as const) {
          const d = codeDiff(codes, want);
          expect(d.most, `${key} ${at}: ${d.count} of ${n} codes differ`).toBeLessThanOrEqual(1);
          expect(d.count, `${key} ${at}`).toBeLessThanOrEqual(Math.ceil(n / 200));
        }
      });
    },
  );
});
