import { referenceKernels } from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { gpujsKernels } from './backend.js';
import { KernelRunner } from './runner.js';
import { nodeModes } from './test-support/node-modes.js';

function tables(positions: number, half: number, theta = 10000) {
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p / theta ** ((2 * i) / (2 * half));
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

const cases = [
  { tokens: 1, heads: 1, headDim: 2, rotaryDim: 2 },
  { tokens: 3, heads: 2, headDim: 8, rotaryDim: 8 },
  { tokens: 5, heads: 3, headDim: 6, rotaryDim: 4 }, // partial rotary: the last 2 dims pass through
];

describe.each(await nodeModes())('rope on gpu.js %s', (mode) => {
  const runner = new KernelRunner(mode);
  const rope = gpujsKernels(runner).rope;
  afterAll(() => runner.destroy());

  test.each(cases)(
    'T=$tokens H=$heads D=$headDim rotaryDim=$rotaryDim',
    ({ tokens, heads, headDim, rotaryDim }) => {
      const rng = makeRng(tokens * heads * headDim);
      const x = new Float32Array(tokens * heads * headDim);
      rng.fill(x);
      const positions = Int32Array.from({ length: tokens }, (_, t) => (t * 7 + 3) % 11); // out of order, repeated
      const { cos, sin } = tables(11, rotaryDim / 2);
      const args = { x, tokens, heads, headDim, rotaryDim, positions, cos, sin };

      const out = new Float32Array(x.length).fill(Number.NaN);
      rope({ ...args, out });
      const want = new Float32Array(x.length);
      referenceKernels.rope({ ...args, out: want });
      expectClose(out, want, { rtol: 1e-5, atol: 1e-6 }, `${mode} rope`);

      const back = Float32Array.from(out);
      rope({ ...args, x: back, out: back, inverse: true }); // in place: out aliases x
      const wantBack = new Float32Array(x.length);
      referenceKernels.rope({ ...args, x: out, out: wantBack, inverse: true });
      expectClose(back, wantBack, { rtol: 1e-5, atol: 1e-6 }, `${mode} rope inverse`);
      expectClose(back, x, { rtol: 1e-5, atol: 1e-6 }, `${mode} inverse undoes forward`);
    },
  );

  test('a position past the tables throws a named error', () => {
    const { cos, sin } = tables(2, 1);
    const call = () =>
      rope({
        x: new Float32Array(2),
        out: new Float32Array(2),
        tokens: 1,
        heads: 1,
        headDim: 2,
        rotaryDim: 2,
        positions: Int32Array.of(2),
        cos,
        sin,
      });
    expect(call).toThrow(/rope: positions\[0\] expected in \[0, 2\) of the cos\/sin tables, got 2/);
  });
});
