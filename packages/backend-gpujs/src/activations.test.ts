import { expectClose, makeRng } from '@lora/testing';
import { afterAll, describe, test } from 'vitest';
import { gpujsKernels } from './backend.js';
import { KernelRunner } from './runner.js';
import { nodeModes } from './test-support/node-modes.js';
import { plainGelu, plainGeluGrad, plainSilu, plainSiluGrad } from './test-support/plain-loops.js';

// the tails matter: ±30 reaches exp overflow in a careless sigmoid or tanh
const edges = [-30, -12, -3, -1, -1e-3, 0, 1e-3, 0.5, 1, 3, 12, 30];

describe.each(await nodeModes())('activations on gpu.js %s', (mode) => {
  const runner = new KernelRunner(mode);
  afterAll(() => runner.destroy());
  const kernels = gpujsKernels(runner);
  const table = [
    {
      name: 'silu',
      forward: kernels.silu,
      backward: kernels.siluBackward,
      f: plainSilu,
      df: plainSiluGrad,
    },
    {
      name: 'geluTanh',
      forward: kernels.geluTanh,
      backward: kernels.geluTanhBackward,
      f: plainGelu,
      df: plainGeluGrad,
    },
  ];

  test.each(table.flatMap((t) => [1, 13, 257].map((n) => ({ ...t, n }))))(
    '$name n=$n',
    ({ forward, backward, f, df, n, name }) => {
      const rng = makeRng(n);
      const x = new Float32Array(n);
      rng.fill(x, -6, 6);
      x.set(edges.slice(0, n));
      const out = new Float32Array(n).fill(Number.NaN);
      forward({ x, out, n });
      expectClose(out, Array.from(x, f), { rtol: 1e-5, atol: 1e-6 }, `${mode} ${name}`);

      const dout = new Float32Array(n);
      rng.fill(dout);
      const dx = new Float32Array(n).fill(Number.NaN);
      backward({ x, dout, dx, n });
      expectClose(
        dx,
        Array.from(x, (v, i) => dout[i]! * df(v)),
        { rtol: 1e-5, atol: 1e-6 },
        `${mode} ${name} backward`,
      );
    },
  );
});
