// The wasm backend's optimizer steps besides AdamW (elementwise-layers.ts): sgd and adamw8bit, behind the
// boundary checks of elementwise-register.ts (@lora/core's). Each reads the clip factor on this side (a host
// backend's gradScale is a typed array: a non-finite one skips the call), then runs its job (assembly/elementwise/).
import { ADAMW8BIT_BLOCKSIZE, type Adamw8bitArgs, type HostArgs, type SgdArgs } from '@lora/core';
import { f32, f64, i32 } from './elementwise-job.js';
import type { ElementwiseRunner } from './elementwise-run.js';

export function sgd(run: ElementwiseRunner, args: HostArgs<SgdArgs>): void {
  const { param, grad, lr, weightDecay, n, gradScale } = args;
  const factor = gradScale?.[0] ?? 1;
  if (!Number.isFinite(factor) || n === 0) return;
  run.run(
    'EW_SGD',
    { param: [param, n, 'inout'], grad: [grad, n, 'in'] },
    (p) => [
      ...[p.param, p.grad, n].map(i32),
      ...[factor, Math.fround(lr), Math.fround(weightDecay)].map(f64),
    ],
    { units: Math.ceil(n / 4), work: 2 * n },
  );
}

export function adamw8bit(run: ElementwiseRunner, args: HostArgs<Adamw8bitArgs>): void {
  const { param, grad, state1, state2, absmax1, absmax2, qmap1, qmap2, step, lr, n, gradScale } = args;
  const blocks = Math.ceil(n / ADAMW8BIT_BLOCKSIZE);
  const factor = gradScale?.[0] ?? 1;
  if (!Number.isFinite(factor) || n === 0) return;
  // the float32 scalars the reference computes (see its doc): bitsandbytes' kernel takes them as float arguments
  const f = Math.fround;
  const [beta1, beta2] = [f(args.beta1), f(args.beta2)];
  const c1 = 1 - args.beta1 ** step;
  const c2 = Math.sqrt(1 - args.beta2 ** step);
  const decay = args.weightDecay > 0 ? f(1 - lr * args.weightDecay) : 1;
  run.run(
    'EW_ADAMW8BIT',
    {
      param: [param, n, 'inout'],
      grad: [grad, n, 'in'],
      state1: [state1, n, 'inout'],
      state2: [state2, n, 'inout'],
      absmax1: [absmax1, blocks, 'inout'],
      absmax2: [absmax2, blocks, 'inout'],
      qmap1: [qmap1, 256, 'in'],
      qmap2: [qmap2, 256, 'in'],
    },
    (p) => [
      ...[p.param, p.grad, p.state1, p.state2, p.absmax1, p.absmax2, p.qmap1, p.qmap2, n].map(i32),
      ...[factor, beta1, beta2, 1 - beta1, 1 - beta2, (-lr * c2) / c1, args.eps * c2, decay].map(f32),
    ],
    { units: blocks, work: 16 * n },
  );
}
