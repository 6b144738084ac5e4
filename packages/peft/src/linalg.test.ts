import { makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { matmul, qr, svd, transpose } from './linalg.js';

function random(m: number, n: number, seed: number): Float64Array {
  const rng = makeRng(seed);
  return Float64Array.from({ length: m * n }, () => 2 * rng.next() - 1);
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]!)), 0);

/** max |QᵀQ − I| for Q (m, k) */
function offOrthonormal(q: Float64Array, m: number, k: number): number {
  const qtq = matmul(transpose(q, m, k), q, k, m, k);
  return maxDiff(
    qtq,
    Float64Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? 1 : 0)),
  );
}

describe.each([
  [5, 3],
  [3, 5],
  [7, 7],
  [1, 4],
])('(%i, %i)', (m, n) => {
  const a = random(m, n, m * 10 + n);

  test('qr: Q orthonormal, R upper triangular, Q·R = A', () => {
    const { q, r, k } = qr(a, m, n);
    expect(k).toBe(Math.min(m, n));
    expect(offOrthonormal(q, m, k)).toBeLessThan(1e-13);
    for (let i = 0; i < k; i++) for (let c = 0; c < Math.min(i, n); c++) expect(r[i * n + c]).toBe(0);
    expect(maxDiff(matmul(q, r, m, k, n), a)).toBeLessThan(1e-13);
  });

  test('svd: U and V orthonormal, S descending and ≥ 0, U·diag(S)·Vᵀ = A', () => {
    const { u, s, vt, k } = svd(a, m, n);
    expect(offOrthonormal(u, m, k)).toBeLessThan(1e-12);
    expect(offOrthonormal(transpose(vt, k, n), n, k)).toBeLessThan(1e-12);
    for (let i = 1; i < k; i++) expect(s[i]!).toBeLessThanOrEqual(s[i - 1]!);
    expect(s[k - 1]!).toBeGreaterThanOrEqual(0);
    const us = u.map((v, idx) => v * s[idx % k]!);
    expect(maxDiff(matmul(us, vt, m, k, n), a)).toBeLessThan(1e-12);
  });
});

test('qr keeps a column that is already reduced as LAPACK does (no reflection, R_kk keeps its sign)', () => {
  const a = Float64Array.from([2, 1, 0, 3]); // (2, 2), first column already (2, 0)
  const { q, r } = qr(a, 2, 2);
  expect(Array.from(r)).toEqual([2, 1, 0, 3]);
  expect(Array.from(q)).toEqual([1, 0, 0, 1]);
});

test('qr with k < min(m, n) gives the first k columns of Q and rows of R of the full factorization', () => {
  const [m, n, k] = [7, 5, 2];
  const a = random(m, n, 99);
  const full = qr(a, m, n);
  const part = qr(a, m, n, k);
  expect(part.k).toBe(k);
  for (let i = 0; i < m; i++)
    for (let c = 0; c < k; c++) expect(part.q[i * k + c]).toBeCloseTo(full.q[i * full.k + c]!, 14);
  expect(maxDiff(part.r, full.r.subarray(0, k * n))).toBeLessThan(1e-14);
});
