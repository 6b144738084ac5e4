import type { Parameter } from '@lora/core';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { clipGradNorm, gradNorm } from './clip.js';

const p = (name: string, grad: number[]): Parameter => ({
  name,
  shape: [grad.length],
  data: new Float32Array(grad.length),
  grad: Float32Array.from(grad),
  trainable: true,
  decay: true,
});

describe('clipGradNorm (torch.nn.utils.clip_grad_norm_)', () => {
  // total = ‖(3, 4, 12)‖ = 13 across two tensors; clip coefficient = max_norm / (13 + 1e-6), applied only when < 1
  test.each([
    [1, 13, 1 / (13 + 1e-6)],
    [6.5, 13, 6.5 / (13 + 1e-6)],
    [13, 13, 13 / (13 + 1e-6)],
    [13.5, 13, 1],
    [100, 13, 1],
    [0, 13, 1],
  ])('max_norm %f: returns the norm before clipping (%f) and scales grads by %f', (maxNorm, norm, scale) => {
    const params = [p('a', [3, 4]), p('b', [12])];
    expect(clipGradNorm(params, maxNorm)).toBe(norm);
    expectClose(
      [...params[0]!.grad!, ...params[1]!.grad!],
      [3 * scale, 4 * scale, 12 * scale],
      { rtol: 1e-7, atol: 0 },
      'clipped grads',
    );
  });

  test('after clipping the norm is max_norm (up to the 1e-6 in the denominator)', () => {
    const params = [p('a', [0.5, -2, 7]), p('b', [1e-3, 40])];
    clipGradNorm(params, 1);
    expectClose([gradNorm(params)], [1], { rtol: 1e-6 }, 'norm after clipping');
  });

  test('parameters without a grad are skipped', () => {
    const frozen: Parameter = { ...p('frozen', [1]), grad: undefined, trainable: false };
    expect(gradNorm([frozen, p('a', [6, 8])])).toBe(10);
  });
});
