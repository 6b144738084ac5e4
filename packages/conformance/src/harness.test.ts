// The suite can fail: plausible float32 kernels pass its tolerances, subtly wrong ones do not.
import {
  casesFor,
  createDynamicMap,
  type KernelCase,
  type HostArgs,
  type KernelName,
  type MatmulArgs,
  referenceKernels as ref,
} from '@lora/core';
import { describe, expect, test } from 'vitest';
import { checkCase, runCase } from './run-case.js';

const f = Math.fround;

function findCase(kernel: KernelName, name: string): KernelCase {
  const found = casesFor(kernel).find((c) => c.name === name);
  if (!found) throw new Error(`no ${kernel} case named "${name}"`);
  return found;
}

type AnyArgs = Record<string, unknown> & Record<'a' | 'b' | 'out' | 'x' | 'y' | 'dy' | 'dx', Float32Array>;

/** The least accurate plausible GEMM: one float32 rounding after every multiply and every add (NN only). */
function matmulFloat32NN(args: AnyArgs): void {
  const { a, b, out } = args;
  const [m, n, k] = [args.m, args.n, args.k] as number[];
  for (let i = 0; i < m!; i++) {
    for (let j = 0; j < n!; j++) {
      let sum = 0;
      for (let p = 0; p < k!; p++) sum = f(sum + f(a[i * k! + p]! * b[p * n! + j]!));
      out[i * n! + j] = sum;
    }
  }
}

/** Softmax rounded to float32 at every step, with exp(x − max) stored and then divided (two roundings). */
function softmaxFloat32(args: AnyArgs): void {
  const { x, out } = args;
  const [rows, cols] = [args.rows, args.cols] as number[];
  for (let r = 0; r < rows!; r++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols!; c++) max = Math.max(max, x[r * cols! + c]!);
    let sum = 0;
    for (let c = 0; c < cols!; c++)
      sum = f(sum + (out[r * cols! + c] = f(Math.exp(f(x[r * cols! + c]! - max)))));
    for (let c = 0; c < cols!; c++) out[r * cols! + c] = f(out[r * cols! + c]! / sum);
  }
}

const PLAUSIBLE: [KernelName, string, (args: AnyArgs) => void][] = [
  ['matmul', 'NN 16×512×896 (LoRA)', matmulFloat32NN],
  ['matmul', 'NN 127×65×33', matmulFloat32NN],
  ['softmax', '33×1031', softmaxFloat32],
];

/** The reference kernel with some arguments replaced. */
const patched = (kernel: KernelName, patch: Record<string, unknown>) => (args: AnyArgs) =>
  (ref[kernel] as unknown as (a: Record<string, unknown>) => void)({ ...args, ...patch });

const WRONG: [string, KernelName, string, (args: AnyArgs) => void][] = [
  [
    'matmul that ignores accumulate',
    'matmul',
    'NN 33×17×65 accumulate, alpha −0.5',
    patched('matmul', { accumulate: false }),
  ],
  [
    'matmul that drops the last k',
    'matmul',
    'NN 512×16×896 (LoRA)',
    (a) => {
      const b = a.b.slice();
      b.fill(0, 895 * 16); // row k − 1 of B (K, N)
      ref.matmul({ ...(a as unknown as HostArgs<MatmulArgs>), b });
    },
  ],
  [
    'rmsnorm with the mean of x² over C − 1',
    'rmsnorm',
    '33×896 weightOffset 0',
    (a) => {
      const { x, weight, out } = a as unknown as { x: Float32Array; weight: Float32Array; out: Float32Array };
      const [rows, cols] = [a.rows, a.cols] as number[];
      for (let r = 0; r < rows!; r++) {
        let ss = 0;
        for (let c = 0; c < cols!; c++) ss += x[r * cols! + c]! ** 2;
        for (let c = 0; c < cols!; c++)
          out[r * cols! + c] = (x[r * cols! + c]! / Math.sqrt(ss / (cols! - 1) + 1e-6)) * weight[c]!;
      }
    },
  ],
  [
    'rmsnorm ignoring weightOffset',
    'rmsnorm',
    '17×65 weightOffset 1',
    patched('rmsnorm', { weightOffset: 0 }),
  ],
  ['rope rotating the wrong way', 'rope', '17×14×64 rotary 64 forward', patched('rope', { inverse: true })],
  [
    'cross-entropy backward with every row scaled alike',
    'crossEntropyChunkBackward',
    '17×1031 at 2048',
    patched('crossEntropyChunkBackward', { rowScale: new Float32Array(17).fill(1 / 11) }),
  ],
  [
    'adamw without bias correction (step ∞)',
    'adamw',
    'n 1031 step 10 weight decay 0',
    patched('adamw', { step: 10_000 }),
  ],
  [
    'sgd that ignores weight decay',
    'sgd',
    'n 1031 lr 0.001 weight decay 0.01',
    patched('sgd', { weightDecay: 0 }),
  ],
  [
    'adamw8bit coding v with the signed map',
    'adamw8bit',
    'n 1031 step 3 weight decay 0.01',
    patched('adamw8bit', { qmap2: createDynamicMap(true) }),
  ],
  [
    'adamw8bit without bias correction (step ∞)',
    'adamw8bit',
    'n 1031 step 3 weight decay 0.01',
    patched('adamw8bit', { step: 10_000 }),
  ],
  [
    'geluTanh as exact erf gelu',
    'geluTanh',
    'n 1031',
    (a) => {
      for (let i = 0; i < a.x.length; i++) a.out[i] = 0.5 * a.x[i]! * (1 + erf(a.x[i]! / Math.SQRT2));
    },
  ],
];

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7): close to, but not, the tanh approximation. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return x < 0 ? -y : y;
}

describe('conformance tolerances', () => {
  test.each(PLAUSIBLE)('a float32-everywhere %s passes "%s"', async (kernel, name, impl) => {
    const c = findCase(kernel, name);
    await checkCase(impl, c, await runCase(ref[kernel], c), 'float32 emulation');
  });

  test.each(WRONG)('a %s fails', async (_, kernel, name, impl) => {
    const c = findCase(kernel, name);
    await expect(checkCase(impl, c, await runCase(ref[kernel], c), 'mutant')).rejects.toThrow(
      /element \d+ is/,
    );
  });
});
