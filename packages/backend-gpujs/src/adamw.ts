// Reference: torch.optim.AdamW (_single_tensor_adamw, amsgrad off), in torch's operation order.

import type { AdamwArgs, HostArgs } from '@lora/core';
import { applyGradScale, checkDims, checkFinite, checkLength, KernelArgumentError } from '@lora/core';
import type { KernelThis, Plan } from './runner.js';
import { launch } from './runner.js';
import { head } from './upload.js';

type NoConstants = Record<string, never>;

// 1 − β arrives precomputed in float64, as torch rounds it (1 − f32(0.9) is not f32(0.1))
function momentCell(
  this: KernelThis<NoConstants>,
  m: Float32Array,
  grad: Float32Array,
  beta1: number,
  rest1: number,
): number {
  return beta1 * m[this.thread.x]! + rest1 * grad[this.thread.x]!;
}

function varianceCell(
  this: KernelThis<NoConstants>,
  v: Float32Array,
  grad: Float32Array,
  beta2: number,
  rest2: number,
): number {
  const g = grad[this.thread.x]!;
  return beta2 * v[this.thread.x]! + rest2 * g * g;
}

// p·(1 − lr·wd) − stepSize · m / (√v / √(1 − β2^t) + eps), reading the already-updated m and v
function paramCell(
  this: KernelThis<NoConstants>,
  p: Float32Array,
  m: Float32Array,
  v: Float32Array,
  decay: number,
  stepSize: number,
  bias2Sqrt: number,
  eps: number,
): number {
  const i = this.thread.x;
  return p[i]! * decay - stepSize * (m[i]! / (Math.sqrt(v[i]!) / bias2Sqrt + eps));
}

export function* adamwPlan(args: HostArgs<AdamwArgs>): Plan {
  const { param, grad, m, v, step, lr, beta1, beta2, eps, weightDecay, n } = args;
  checkDims('adamw', { n });
  if (!Number.isInteger(step) || step < 1) {
    throw new KernelArgumentError(
      `adamw: step expected an integer >= 1 (1-based, after this update), got ${step}`,
    );
  }
  for (const [key, value] of Object.entries({ lr, eps, weightDecay })) checkFinite('adamw', key, value);
  for (const [key, value] of Object.entries({ beta1, beta2 })) {
    if (!(value >= 0 && value < 1))
      throw new KernelArgumentError(`adamw: ${key} expected in [0, 1), got ${value}`);
  }
  for (const [label, arr] of Object.entries({ param, grad, m, v }))
    checkLength('adamw', `${label} (n)`, arr, n);
  if (n === 0 || !applyGradScale(args)) return; // clip factor into grad; a non-finite one skips the update
  const g = head(grad, n);
  yield launch(
    `adamw.m:${n}`,
    () => ({
      fn: momentCell,
      output: [n],
      argumentTypes: { m: 'Array', grad: 'Array', beta1: 'Float', rest1: 'Float' },
    }),
    [head(m, n), g, beta1, 1 - beta1],
    m,
  );
  yield launch(
    `adamw.v:${n}`,
    () => ({
      fn: varianceCell,
      output: [n],
      argumentTypes: { v: 'Array', grad: 'Array', beta2: 'Float', rest2: 'Float' },
    }),
    [head(v, n), g, beta2, 1 - beta2],
    v,
  );
  yield launch(
    `adamw.param:${n}`,
    () => ({
      fn: paramCell,
      output: [n],
      argumentTypes: {
        p: 'Array',
        m: 'Array',
        v: 'Array',
        decay: 'Float',
        stepSize: 'Float',
        bias2Sqrt: 'Float',
        eps: 'Float',
      },
    }),
    [
      head(param, n),
      head(m, n),
      head(v, n),
      1 - lr * weightDecay,
      lr / (1 - beta1 ** step),
      Math.sqrt(1 - beta2 ** step),
      eps,
    ],
    param,
  );
}
