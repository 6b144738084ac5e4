import { deviceMemory, type F32, kernel, onOpaqueBackend, type Parameter, toHost } from '@lora/core';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { clipFactor, gradSumSquares } from './clip.js';
import { packParameters } from './parameter-groups.js';

const p = (name: string, grad: number[], decay: boolean): Parameter => {
  const memory = deviceMemory();
  return {
    name,
    shape: [grad.length],
    data: memory.f32(grad.length),
    grad: memory.upload(Float32Array.from(grad)),
    trainable: true,
    decay,
  };
};

/** The norm before clipping and the factor, both read back: what the trainer logs and what AdamW applies. */
async function normAndFactor(grads: [number[], number[]], maxNorm: number) {
  const groups = packParameters([p('a', grads[0], true), p('b', grads[1], false)]);
  const [sumSquares, factor] = [deviceMemory().f32(1), deviceMemory().f32(1)];
  kernel('fill')({ x: sumSquares, n: 1, value: 123 }); // overwritten, not added to
  gradSumSquares(groups, sumSquares);
  clipFactor(sumSquares, maxNorm, factor);
  return {
    groups,
    norm: Math.sqrt((await toHost(sumSquares))[0]!),
    factor: (await toHost(factor))[0]!,
    factorArray: factor,
  };
}

/** ‖g‖ of every group after scaling the gradients by the factor, as clip_grad_norm_ leaves them. */
async function normAfterScaling(groups: ReturnType<typeof packParameters>, factor: F32): Promise<number> {
  const [f] = await toHost(factor);
  for (const g of groups) kernel('scale')({ x: g.grad, out: g.grad, n: g.size, alpha: f! });
  const out = deviceMemory().f32(1);
  gradSumSquares(groups, out);
  return Math.sqrt((await toHost(out))[0]!);
}

const backends = [
  ['reference', <T>(body: () => Promise<T>) => body()],
  ['opaque', <T>(body: () => Promise<T>) => onOpaqueBackend(body)],
] as const;

describe.each(backends)(
  'gradSumSquares + clipFactor on %s (torch.nn.utils.clip_grad_norm_)',
  (_backend, on) => {
    // total = ‖(3, 4, 12)‖ = 13 across the decay and no-decay groups; clip coefficient = max_norm / (13 + 1e-6), applied
    // only when < 1 (clamped to 1, as torch's clip_coef_clamped); max_norm ≤ 0 measures without clipping
    test.each([
      [1, 1 / (13 + 1e-6)],
      [6.5, 6.5 / (13 + 1e-6)],
      [13, 13 / (13 + 1e-6)],
      [13.5, 1],
      [100, 1],
      [0, 1],
      [-1, 1],
    ])('max_norm %f: the norm before clipping is 13 and the factor %f', (maxNorm, scale) =>
      on(async () => {
        const r = await normAndFactor([[3, 4], [12]], maxNorm);
        expect(r.norm).toBe(13);
        // the factor is stored in float32: within one float32 rounding of the float64 coefficient
        expectClose([r.factor], [scale], { rtol: 6e-8, atol: 0 }, 'clip factor');
        if (scale === 1) expect(r.factor).toBe(1);
      }),
    );

    test('after scaling by the factor the norm is max_norm (up to the 1e-6 in the denominator and float32)', () =>
      on(async () => {
        const r = await normAndFactor(
          [
            [0.5, -2, 7],
            [1e-3, 40],
          ],
          1,
        );
        expect(r.factor).toBeLessThan(1);
        expectClose(
          [await normAfterScaling(r.groups, r.factorArray)],
          [1],
          { rtol: 1e-6 },
          'norm after clipping',
        );
      }));

    test.each([
      ['a NaN gradient', [[3, Number.NaN], [12]], 1, Number.NaN],
      ['an infinite gradient', [[3, 4], [Number.NEGATIVE_INFINITY]], 1, Number.POSITIVE_INFINITY],
      ['finite gradients whose squares overflow float32', [[2e19, 3e19], [1]], 1, Number.POSITIVE_INFINITY],
      ['a NaN gradient without clipping (max_norm 0)', [[Number.NaN, 4], [12]], 0, Number.NaN],
    ] as const)(
      '%s: the norm is not finite and the factor is NaN, so AdamW skips the update',
      (_what, grads, maxNorm, norm) =>
        on(async () => {
          const r = await normAndFactor([[...grads[0]], [...grads[1]]], maxNorm);
          expect(r.norm).toBe(norm);
          expect(r.factor).toBeNaN();
        }),
    );
  },
);
