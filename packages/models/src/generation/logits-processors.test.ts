import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import {
  argmax,
  minPFilter,
  processLogits,
  repetitionPenalty,
  softmax64,
  temperatureScale,
  topKFilter,
  topPFilter,
} from './logits-processors.js';

const X = Number.NEGATIVE_INFINITY;
const f32 = (values: number[]) => Float32Array.from(values);
/** logits whose softmax is exactly `probs` (up to float32 rounding of the logs) */
const logitsOf = (probs: number[]) => f32(probs.map(Math.log));
const kept = (row: Float32Array) => [...row].map((v) => v !== X);

describe('repetitionPenalty (CTRL: divide positive, multiply negative, once per token)', () => {
  test.each([
    {
      name: 'penalty 2',
      logits: [2, -1, 0.5, -3, 0],
      seen: [0, 1, 1, 4],
      penalty: 2,
      expected: [1, -2, 0.5, -3, 0],
    },
    {
      name: 'penalty 0.5 rewards',
      logits: [2, -1, 0.5, -3],
      seen: [0, 1],
      penalty: 0.5,
      expected: [4, -0.5, 0.5, -3],
    },
    {
      name: 'repeats in the history count once',
      logits: [3, 1],
      seen: [0, 0, 0],
      penalty: 1.5,
      expected: [2, 1],
    },
    { name: 'nothing seen', logits: [3, -1], seen: [], penalty: 1.3, expected: [3, -1] },
  ])('$name', ({ logits, seen, penalty, expected }) => {
    const input = f32(logits);
    expectClose(repetitionPenalty(input, seen, penalty), expected, { rtol: 1e-6 }, 'penalised');
    expect([...input]).toEqual(logits.map(Math.fround)); // pure: the input is untouched
  });
});

test.each([
  { t: 0.5, logits: [1, 2, -4], expected: [2, 4, -8] },
  { t: 2, logits: [1, -3, X], expected: [0.5, -1.5, X] },
])('temperatureScale($t)', ({ t, logits, expected }) => {
  expect([...temperatureScale(f32(logits), t)]).toEqual(expected);
});

describe('topKFilter: keeps logits ≥ the k-th largest', () => {
  test.each([
    { k: 1, logits: [1, 4, 2, 0], expected: [X, 4, X, X] },
    { k: 2, logits: [1, 3, 2, 3, 0], expected: [X, 3, X, 3, X] }, // the 2nd largest is the tied 3
    { k: 1, logits: [1, 3, 2, 3], expected: [X, 3, X, 3] }, // ties with the k-th survive
    { k: 3, logits: [1, 3, 2, 3, 0], expected: [X, 3, 2, 3, X] },
    { k: 9, logits: [1, -2, 5], expected: [1, -2, 5] }, // k capped at V
    { k: 2, logits: [X, 1, X, 0, -1], expected: [X, 1, X, 0, X] },
  ])('k=$k on $logits', ({ k, logits, expected }) => {
    expect([...topKFilter(f32(logits), k)]).toEqual(expected);
  });
});

describe('topPFilter: removes ascending-sorted tokens whose cumulative probability ≤ 1 − p', () => {
  // probabilities 0.1 0.2 0.3 0.4: ascending cumulative 0.1 0.3 0.6 1.0
  const probs = [0.3, 0.1, 0.4, 0.2];
  test.each([
    { p: 0.95, expected: [true, true, true, true] }, // 1 − p = 0.05: nothing at or below
    { p: 0.75, expected: [true, false, true, true] }, // removes 0.1 (cum 0.1 ≤ 0.25); 0.4 + 0.3 = 0.7 < 0.75 needs 0.2
    { p: 0.5, expected: [true, false, true, false] }, // removes cum 0.1 and 0.3 (≤ 0.5)
    { p: 0.35, expected: [false, false, true, false] }, // cum 0.6 ≤ 0.65 too: only the top token
    { p: 0, expected: [false, false, true, false] }, // everything ≤ 1, but the top token is always kept
  ])('p=$p', ({ p, expected }) => {
    const out = topPFilter(logitsOf(probs), p);
    expect(kept(out)).toEqual(expected);
    const input = logitsOf(probs);
    expect([...out].filter((v) => v !== X)).toEqual([...input].filter((_, i) => out[i] !== X)); // survivors keep their logits
  });

  test('ignores tokens already at −∞ (after top-k) and renormalises over the rest', () => {
    // finite part: 0.6 / 0.4 after renormalising; p = 0.5 → 1 − p = 0.5: cum 0.4 ≤ 0.5 removed
    const logits = f32([Math.log(0.3), X, Math.log(0.2), X]);
    expect(kept(topPFilter(logits, 0.5))).toEqual([true, false, false, false]);
    expect(kept(topPFilter(logits, 0.7))).toEqual([true, false, true, false]);
  });
});

describe('minPFilter: removes tokens below minP × the top probability', () => {
  const probs = [0.15, 0.5, 0.05, 0.3];
  test.each([
    { minP: 0, expected: [true, true, true, true] },
    { minP: 0.2, expected: [true, true, false, true] }, // threshold 0.1
    { minP: 0.5, expected: [false, true, false, true] }, // threshold 0.25
    { minP: 0.7, expected: [false, true, false, false] }, // threshold 0.35
    { minP: 1, expected: [false, true, false, false] }, // only the top token reaches the top probability
  ])('minP=$minP', ({ minP, expected }) => {
    expect(kept(minPFilter(logitsOf(probs), minP))).toEqual(expected);
  });

  test('minTokensToKeep keeps the most probable ones', () => {
    expect(kept(minPFilter(logitsOf(probs), 1, 2))).toEqual([false, true, false, true]);
  });
});

test('softmax64 and argmax', () => {
  expectClose(softmax64([Math.log(2), Math.log(6), X]), [0.25, 0.75, 0], { rtol: 1e-12 }, 'softmax');
  expect(argmax([1, 5, 5, 2])).toBe(1); // first of the tied maxima, like torch.argmax
  expect(argmax(f32([X, X, -7]))).toBe(2);
});

describe("processLogits: transformers' order", () => {
  const base = { doSample: true, temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };
  const probs = [0.4, 0.3, 0.2, 0.1];

  test('top-k runs before top-p: top-p sees the renormalised top-k survivors', () => {
    // top-k 2 → 0.4/0.7, 0.3/0.7 = 0.571, 0.429; top-p 0.5 removes cum 0.429 ≤ 0.5 → one token.
    // (top-p first would keep 0.4 and 0.3.)
    const out = processLogits(logitsOf(probs), [], { ...base, topK: 2, topP: 0.5 });
    expect(kept(out)).toEqual([true, false, false, false]);
    expect(kept(topKFilter(topPFilter(logitsOf(probs), 0.5), 2))).toEqual([true, true, false, false]);
  });

  test('temperature runs before min-p and top-p', () => {
    // T = 2 flattens to p ∝ √p: 0.632 0.548 0.447 0.316 (÷ 1.943) → 0.325 0.282 0.230 0.163; min-p 0.6 → 0.195
    const out = processLogits(logitsOf(probs), [], { ...base, temperature: 2, minP: 0.6 });
    expect(kept(out)).toEqual([true, true, true, false]);
    expect(kept(minPFilter(logitsOf(probs), 0.6))).toEqual([true, true, false, false]); // without it: threshold 0.24
    expectClose(
      out.subarray(0, 3),
      [0.4, 0.3, 0.2].map((p) => Math.log(p) / 2),
      { rtol: 1e-6 },
      'scaled',
    );
  });

  test('repetition penalty first, on the raw logits; greedy skips the warpers but not the penalty', () => {
    const logits = f32([2, 1.5, -1]);
    const greedy = processLogits(logits, [0], {
      ...base,
      doSample: false,
      temperature: 0.5,
      topK: 1,
      repetitionPenalty: 2,
    });
    expect([...greedy]).toEqual([1, 1.5, -1]);
    expect(argmax(greedy)).toBe(1);
    const sampled = processLogits(logits, [0], { ...base, temperature: 0.5, topK: 1, repetitionPenalty: 2 });
    expect([...sampled]).toEqual([X, 3, X]); // (2 / 2) / 0.5 = 2 loses to 1.5 / 0.5 = 3
  });

  test('all off returns the logits unchanged', () => {
    const logits = f32([0.1, -0.2, 0.3]);
    expect(processLogits(logits, [1], base)).toBe(logits);
  });
});
