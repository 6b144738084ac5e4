import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { gradcheck, asKernelArray as k64, weightedSum } from '../../gradcheck.js';
import { rope } from './rope.js';

const rng = makeRng(19);
const random64 = (n: number): Float64Array => Float64Array.from({ length: n }, () => rng.normal());

interface Shape {
  tokens: number;
  heads: number;
  headDim: number;
  rotaryDim: number;
}

/** Float64 angle tables for P positions; any table works for these identities, so it is random-ish. */
function tables(positions: number, rotaryDim: number) {
  const half = rotaryDim / 2;
  const angles = Float64Array.from(
    { length: positions * half },
    (_, i) => (Math.floor(i / half) + 1) * rng.uniform(-3, 3),
  );
  return { cos: angles.map(Math.cos), sin: angles.map(Math.sin) };
}

function apply(
  x: Float64Array,
  s: Shape,
  positions: Int32Array,
  t: { cos: Float64Array; sin: Float64Array },
  inverse = false,
  out = new Float64Array(x.length),
) {
  rope({ ...s, x: k64(x), out: k64(out), positions, cos: k64(t.cos), sin: k64(t.sin), inverse });
  return out;
}

const SHAPES: Shape[] = [
  { tokens: 1, heads: 1, headDim: 2, rotaryDim: 2 },
  { tokens: 3, heads: 2, headDim: 8, rotaryDim: 8 },
  { tokens: 5, heads: 3, headDim: 16, rotaryDim: 16 },
  { tokens: 4, heads: 2, headDim: 10, rotaryDim: 6 }, // partial rotary: dims 6…9 pass through
];

describe('rope (reference)', () => {
  test.each(SHAPES)(
    '$tokens×$heads×$headDim (rotary $rotaryDim): rotates pairs (i, i + half) by the position angle',
    (s) => {
      const positions = Int32Array.from({ length: s.tokens }, () => rng.int(9));
      const t = tables(9, s.rotaryDim);
      const x = random64(s.tokens * s.heads * s.headDim);
      const out = apply(x, s, positions, t);
      const half = s.rotaryDim / 2;
      const expected = x.slice();
      for (let tok = 0; tok < s.tokens; tok++) {
        for (let h = 0; h < s.heads; h++) {
          const base = (tok * s.heads + h) * s.headDim;
          for (let i = 0; i < half; i++) {
            // complex multiplication (x_i + j·x_{i+half}) · e^{jθ}
            const theta = Math.atan2(t.sin[positions[tok]! * half + i]!, t.cos[positions[tok]! * half + i]!);
            const [re, im] = [x[base + i]!, x[base + i + half]!];
            expected[base + i] = re * Math.cos(theta) - im * Math.sin(theta);
            expected[base + i + half] = re * Math.sin(theta) + im * Math.cos(theta);
          }
        }
      }
      expectClose(out, expected, { rtol: 1e-12, atol: 1e-14 }, 'rope');
    },
  );

  test.each(SHAPES)(
    '$tokens×$heads×$headDim (rotary $rotaryDim): inverse is the backward (gradcheck)',
    (s) => {
      const positions = Int32Array.from({ length: s.tokens }, () => rng.int(6));
      const t = tables(6, s.rotaryDim);
      const x = random64(s.tokens * s.heads * s.headDim);
      const dout = random64(x.length);
      const dx = apply(dout, s, positions, t, true);
      gradcheck(() => weightedSum(apply(x, s, positions, t), dout), [{ name: 'dx', value: x, grad: dx }]);
      expectClose(
        apply(apply(x, s, positions, t), s, positions, t, true),
        x,
        { rtol: 1e-12, atol: 1e-14 },
        'inverse∘rope',
      );
    },
  );

  test('writes in place when out aliases x', () => {
    const s = SHAPES[2]!;
    const positions = Int32Array.from({ length: s.tokens }, (_, i) => i);
    const t = tables(s.tokens, s.rotaryDim);
    const x = random64(s.tokens * s.heads * s.headDim);
    const separate = apply(x, s, positions, t);
    const inPlace = x.slice();
    apply(inPlace, s, positions, t, false, inPlace);
    expect(Array.from(inPlace)).toEqual(Array.from(separate));
  });

  test.each([
    [{ rotaryDim: 5 }, /rope: rotaryDim expected an even number <= headDim 8, got 5/],
    [{ rotaryDim: 10 }, /rope: rotaryDim expected an even number <= headDim 8, got 10/],
    [{ position: 4 }, /rope: positions\[1\] expected in \[0, 4\) of the cos\/sin tables, got 4/],
    [{ position: -1 }, /rope: positions\[1\] expected in \[0, 4\) of the cos\/sin tables, got -1/],
  ] as [{ rotaryDim?: number; position?: number }, RegExp][])('rejects %o', (bad, message) => {
    const x = new Float32Array(2 * 8);
    const table = new Float32Array(4 * 4); // (P = 4, 8 / 2)
    const call = () =>
      rope({
        x,
        out: x,
        tokens: 2,
        heads: 1,
        headDim: 8,
        rotaryDim: bad.rotaryDim ?? 8,
        positions: Int32Array.from([0, bad.position ?? 1]),
        cos: table,
        sin: table,
      });
    expect(call).toThrow(message);
  });
});
