// Cases of softcap and softcapBackward: Gemma 2's caps (50 on attention scores, 30 on logits) and a small one (5),
// inputs from far inside the linear region (|x| ≪ cap, where tanh must keep its relative accuracy) to far past the
// cap (±1e4, saturated), masked scores (−1e30) and ±0, odd sizes and sizes over 4096, in place.
import { caseList, type KernelCase } from './case-list.js';
import { normal, poisoned, type Rng } from './inputs.js';

const { cases, add } = caseList();

const EDGES = [0, -0, 1e-6, -3e-4, 0.3, -0.7, 1, 4.9, -5.1, 29, 49.5, -60, 250, -1e4, 1e4, -1e30];
/** normal values at three scales of the cap, with the edge values spread in */
const softcapInput = (rng: Rng, n: number, cap: number): Float32Array => {
  const x = normal(rng, n, cap);
  for (let i = 0; i < n; i += 3) x[i] = x[i]! / 64;
  for (let i = 1; i < n; i += 5) x[i] = x[i]! * 8;
  EDGES.slice(0, n).forEach((v, i) => {
    x[(i * 7919) % n] = v;
  });
  return x;
};
/** softcap's output of `x` in float32 (what the backward reads) */
const capped = (x: Float32Array, cap: number): Float32Array => x.map((v) => cap * Math.tanh(v / cap));

for (const n of [1, 7, 1031, 4099, 58241]) {
  for (const cap of n === 1031 ? [5, 30, 50] : [n % 2 === 0 ? 30 : 50]) {
    add('softcap', `n ${n}, cap ${cap}`, (rng) => ({
      x: softcapInput(rng, n, cap),
      out: poisoned(n),
      n,
      cap,
    }));
    add('softcapBackward', `n ${n}, cap ${cap}`, (rng) => ({
      y: capped(softcapInput(rng, n, cap), cap),
      dy: normal(rng, n),
      dx: poisoned(n),
      n,
      cap,
    }));
  }
}
add('softcap', 'in place, n 4099, cap 5', (rng) => {
  const x = softcapInput(rng, 4099, 5);
  return { x, out: x, n: 4099, cap: 5 };
});
add('softcapBackward', 'in place (dx = dy), n 1031, cap 30', (rng) => {
  const dy = normal(rng, 1031);
  return { y: capped(softcapInput(rng, 1031, 30), 30), dy, dx: dy, n: 1031, cap: 30 };
});

export const SOFTCAP_CASES: readonly KernelCase[] = cases;
