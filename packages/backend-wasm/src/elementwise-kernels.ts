// The elementwise kernels of the wasm backend, behind the boundary checks of elementwise-register.ts (@lora/core's):
// each runs its job (assembly/elementwise/) through the ElementwiseRunner.
import type {
  CrossEntropyChunkArgs,
  CrossEntropyChunkBackwardArgs,
  HostArgs,
  RmsnormArgs,
  RmsnormBackwardArgs,
  SoftcapArgs,
  SoftcapBackwardArgs,
  SoftmaxArgs,
  SoftmaxBackwardArgs,
  UnaryArgs,
  UnaryBackwardArgs,
} from '@lora/core';
import { f32, f64, i32 } from './elementwise-job.js';
import type { ElementwiseRunner } from './elementwise-run.js';

/** stands for an absent optional output (its address is passed as 0) */
const NONE = new Float32Array(0);

/** relative cost per element of a job with exp in it, against a plain multiply-add pass */
const EXP_COST = 4;

export function silu(run: ElementwiseRunner, args: HostArgs<UnaryArgs>): void {
  unary(run, 'EW_SILU', args);
}

export function geluTanh(run: ElementwiseRunner, args: HostArgs<UnaryArgs>): void {
  unary(run, 'EW_GELU_TANH', args);
}

export function siluBackward(run: ElementwiseRunner, args: HostArgs<UnaryBackwardArgs>): void {
  unaryBackward(run, 'EW_SILU_BACKWARD', args);
}

export function geluTanhBackward(run: ElementwiseRunner, args: HostArgs<UnaryBackwardArgs>): void {
  unaryBackward(run, 'EW_GELU_TANH_BACKWARD', args);
}

/** out = cap · tanh(x / cap), as assembly/elementwise/softcap.ts computes it; out may alias x. */
export function softcap(run: ElementwiseRunner, args: HostArgs<SoftcapArgs>): void {
  const { x, out, n, cap } = args;
  run.run(
    'EW_SOFTCAP',
    { x: [x, n, 'in'], out: [out, n, 'out'] },
    (p) => [i32(p.x), i32(p.out), i32(n), f32(cap)],
    {
      units: Math.ceil(n / 4),
      work: n * EXP_COST,
    },
  );
}

/** dx = dy · (1 − (y / cap)²); dx may alias dy. */
export function softcapBackward(run: ElementwiseRunner, args: HostArgs<SoftcapBackwardArgs>): void {
  const { y, dy, dx, n, cap } = args;
  run.run(
    'EW_SOFTCAP_BACKWARD',
    { y: [y, n, 'in'], dy: [dy, n, 'in'], dx: [dx, n, 'out'] },
    (p) => [i32(p.y), i32(p.dy), i32(p.dx), i32(n), f32(cap)],
    { units: Math.ceil(n / 4), work: n },
  );
}

function unary(run: ElementwiseRunner, kind: 'EW_SILU' | 'EW_GELU_TANH', args: HostArgs<UnaryArgs>): void {
  const { x, out, n } = args;
  run.run(kind, { x: [x, n, 'in'], out: [out, n, 'out'] }, (p) => [i32(p.x), i32(p.out), i32(n)], {
    units: Math.ceil(n / 4),
    work: n * EXP_COST,
  });
}

function unaryBackward(
  run: ElementwiseRunner,
  kind: 'EW_SILU_BACKWARD' | 'EW_GELU_TANH_BACKWARD',
  args: HostArgs<UnaryBackwardArgs>,
): void {
  const { x, dout, dx, n } = args;
  run.run(
    kind,
    { x: [x, n, 'in'], dout: [dout, n, 'in'], dx: [dx, n, 'out'] },
    (p) => [i32(p.x), i32(p.dout), i32(p.dx), i32(n)],
    { units: Math.ceil(n / 4), work: n * EXP_COST },
  );
}

export function softmax(run: ElementwiseRunner, args: HostArgs<SoftmaxArgs>): void {
  const { x, out, rows, cols } = args;
  const n = rows * cols;
  run.run(
    'EW_SOFTMAX',
    { x: [x, n, 'in'], out: [out, n, 'out'] },
    (p) => [i32(p.x), i32(p.out), i32(rows), i32(cols)],
    { units: rows, work: n * EXP_COST },
  );
}

export function softmaxBackward(run: ElementwiseRunner, args: HostArgs<SoftmaxBackwardArgs>): void {
  const { y, dy, dx, rows, cols } = args;
  const n = rows * cols;
  run.run(
    'EW_SOFTMAX_BACKWARD',
    { y: [y, n, 'in'], dy: [dy, n, 'in'], dx: [dx, n, 'out'] },
    (p) => [i32(p.y), i32(p.dy), i32(p.dx), i32(rows), i32(cols)],
    { units: rows, work: n },
  );
}

export function rmsnorm(run: ElementwiseRunner, args: HostArgs<RmsnormArgs>): void {
  const { x, weight, out, rstd, rows, cols, eps } = args;
  const offset = args.weightOffset ?? 0;
  const n = rows * cols;
  run.run(
    'EW_RMSNORM',
    { x: [x, n, 'in'], weight: [weight, cols, 'in'], out: [out, n, 'out'], rstd: [rstd, rows, 'out'] },
    (p) => [i32(p.x), i32(p.weight), i32(p.out), i32(p.rstd), i32(rows), i32(cols), f32(offset), f64(eps)],
    { units: rows, work: n },
  );
}

export function rmsnormBackward(run: ElementwiseRunner, args: HostArgs<RmsnormBackwardArgs>): void {
  const { dout, x, weight, rstd, dx, dweightAccumulate: dw, rows, cols } = args;
  const offset = args.weightOffset ?? 0;
  const n = rows * cols;
  run.run(
    'EW_RMSNORM_BACKWARD',
    {
      dout: [dout, n, 'in'],
      x: [x, n, 'in'],
      weight: [weight, cols, 'in'],
      rstd: [rstd, rows, 'in'],
      dx: [dx, n, 'out'],
      dw: [dw ?? NONE, dw ? cols : 0, 'inout'],
    },
    (p) => [...[p.dout, p.x, p.weight, p.rstd, p.dx, dw ? p.dw : 0, rows, cols].map(i32), f32(offset)],
    // the dweight pass splits columns in fours
    { units: dw ? Math.min(rows, Math.ceil(cols / 4)) : rows, work: n * (dw ? 2 : 1) },
  );
}

export function crossEntropyChunk(run: ElementwiseRunner, args: HostArgs<CrossEntropyChunkArgs>): void {
  const { logits, rows, cols, vocabStart, targets, runningMax, runningSum, targetLogit } = args;
  run.run(
    'EW_CROSS_ENTROPY',
    {
      logits: [logits, rows * cols, 'in'],
      targets: [targets, rows, 'in'],
      runningMax: [runningMax, rows, 'inout'],
      runningSum: [runningSum, rows, 'inout'],
      targetLogit: [targetLogit, rows, 'inout'], // left as is where the target is elsewhere
    },
    (p) => [p.logits, rows, cols, vocabStart, p.targets, p.runningMax, p.runningSum, p.targetLogit].map(i32),
    { units: rows, work: rows * cols * EXP_COST },
  );
}

export function crossEntropyChunkBackward(
  run: ElementwiseRunner,
  args: HostArgs<CrossEntropyChunkBackwardArgs>,
): void {
  const { logits, rows, cols, vocabStart, targets, lse, rowScale, dlogits } = args;
  run.run(
    'EW_CROSS_ENTROPY_BACKWARD',
    {
      logits: [logits, rows * cols, 'in'],
      targets: [targets, rows, 'in'],
      lse: [lse, rows, 'in'],
      rowScale: [rowScale, rows, 'in'],
      dlogits: [dlogits, rows * cols, 'out'],
    },
    (p) => [p.logits, rows, cols, vocabStart, p.targets, p.lse, p.rowScale, p.dlogits].map(i32),
    { units: rows, work: rows * cols * EXP_COST },
  );
}
