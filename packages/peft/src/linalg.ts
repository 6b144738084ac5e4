// The float64 factorizations PiSSA and OLoRA start from, as torch.linalg computes them: a reduced Householder QR with
// LAPACK's signs (geqrf + orgqr: R's diagonal is −sign(a_kk)·‖column‖), a one-sided Jacobi SVD (Hestenes), and
// torch.svd_lowrank's randomized range finder (Halko et al. 2009, Alg. 4.4 and 5.1). Row-major (rows, cols) arrays.

/** A reduced QR: Q (m, k) with orthonormal columns, R (k, n) upper triangular. */
export interface Qr {
  q: Float64Array;
  r: Float64Array;
  k: number;
}

/**
 * torch.linalg.qr(a) (mode "reduced") for a (m, n), with LAPACK's Householder signs — or, with k < min(m, n), its first
 * k columns of Q and rows of R, which only the first k reflectors touch (OLoRA needs Q[:, :r] and R[:r]).
 */
export function qr(a: ArrayLike<number>, m: number, n: number, k = Math.min(m, n)): Qr {
  const c = transpose(a, m, n); // (n, m): row j is column j of a, overwritten by R above the diagonal and v below
  const tau = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const col = j * m;
    const alpha = c[col + j]!;
    let xx = 0;
    for (let i = j + 1; i < m; i++) xx += c[col + i]! * c[col + i]!;
    if (xx === 0) continue; // H = I (LAPACK dlarfg with tau = 0)
    const beta = (alpha >= 0 ? -1 : 1) * Math.sqrt(alpha * alpha + xx);
    tau[j] = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    for (let i = j + 1; i < m; i++) c[col + i]! *= scale; // v = [1, x / (alpha − beta)]
    c[col + j] = beta;
    for (let cc = j + 1; cc < n; cc++) reflect(c, col, m, j, tau[j]!, cc * m);
  }
  const r = new Float64Array(k * n); // (k, n)
  for (let i = 0; i < k; i++) for (let cc = i; cc < n; cc++) r[i * n + cc] = c[cc * m + i]!;
  // Q[:, :k] = H_0 … H_{k−1} · I[:, :k], last reflector first; H_j leaves columns before j as they are (LAPACK orgqr)
  const qt = new Float64Array(k * m); // (k, m): row cc is column cc of Q
  for (let i = 0; i < k; i++) qt[i * m + i] = 1;
  for (let j = k - 1; j >= 0; j--)
    for (let cc = j; cc < k; cc++) reflect(c, j * m, m, j, tau[j]!, cc * m, qt);
  return { q: transpose(qt, k, m), r, k };
}

/** The column at `at` of `x` (length m, contiguous) ← (I − τ v vᵀ) · it, v = [1, c[col + j + 1 ..]] in rows j..m−1. */
function reflect(c: Float64Array, col: number, m: number, j: number, tau: number, at: number, x = c): void {
  if (tau === 0) return;
  let dot = x[at + j]!;
  for (let i = j + 1; i < m; i++) dot += c[col + i]! * x[at + i]!;
  dot *= tau;
  x[at + j]! -= dot;
  for (let i = j + 1; i < m; i++) x[at + i]! -= dot * c[col + i]!;
}

/** A thin SVD a = U·diag(S)·Vᵀ, S descending: U (m, k), S (k), Vᵀ (k, n), k = min(m, n). */
export interface Svd {
  u: Float64Array;
  s: Float64Array;
  vt: Float64Array;
  k: number;
}

/** (rows, cols) → (cols, rows) */
export function transpose(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

/** c (m, n) = a (m, k) · b (k, n), float64. */
export function matmul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j]! += aip * b[p * n + j]!;
    }
  return c;
}

/**
 * torch.linalg.svd(a, full_matrices=False) up to the sign of each singular pair (u_i, v_i), which no SVD fixes:
 * one-sided Jacobi rotations on the columns of a (or aᵀ when m < n) until every pair is orthogonal to working
 * precision. O(min(m, n)² · max(m, n)) per sweep: for the small and medium layers PiSSA's exact init is meant for.
 */
export function svd(a: ArrayLike<number>, m: number, n: number): Svd {
  if (m < n) {
    const t = svd(transpose(a, m, n), n, m); // aᵀ = U' S V'ᵀ → a = V' S U'ᵀ
    return { u: transpose(t.vt, t.k, m), s: t.s, vt: transpose(t.u, n, t.k), k: t.k };
  }
  const w = transpose(a, m, n); // (n, m): row c is column c of a
  const v = new Float64Array(n * n); // (n, n) rows are the accumulated right vectors
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        const [pm, qm] = [p * m, q * m];
        for (let i = 0; i < m; i++) {
          const x = w[pm + i]!;
          const y = w[qm + i]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma === 0) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(w, m, p, q, c, s);
        rotate(v, n, p, q, c, s);
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, c) => {
    let sum = 0;
    for (let i = 0; i < m; i++) sum += w[c * m + i]! ** 2;
    return Math.sqrt(sum);
  });
  const order = norms.map((_, i) => i).sort((x, y) => norms[y]! - norms[x]!);
  const k = n;
  const u = new Float64Array(m * k);
  const s = new Float64Array(k);
  const vt = new Float64Array(k * n);
  order.forEach((c, col) => {
    const sigma = norms[c]!;
    s[col] = sigma;
    for (let i = 0; i < m; i++) u[i * k + col] = sigma === 0 ? 0 : w[c * m + i]! / sigma;
    for (let j = 0; j < n; j++) vt[col * n + j] = v[c * n + j]!;
  });
  return { u, s, vt, k };
}

/** rows p and q of x (row length len) ← c·p − s·q, s·p + c·q */
function rotate(x: Float64Array, len: number, p: number, q: number, c: number, s: number): void {
  const [pl, ql] = [p * len, q * len];
  for (let i = 0; i < len; i++) {
    const xp = x[pl + i]!;
    const xq = x[ql + i]!;
    x[pl + i] = c * xp - s * xq;
    x[ql + i] = s * xp + c * xq;
  }
}

/**
 * torch.svd_lowrank(a, q, niter) (torch 1.13 _svd_lowrank with M = None): U (m, q), S (q), V (n, q) such that
 * a ≈ U·diag(S)·Vᵀ. `gaussian` draws the (cols, q) N(0, 1) test matrix row by row, as torch.randn fills it.
 */
export function svdLowRank(
  a: ArrayLike<number>,
  m: number,
  n: number,
  q: number,
  niter: number,
  gaussian: () => number,
): { u: Float64Array; s: Float64Array; v: Float64Array } {
  const at = transpose(a, m, n); // (n, m)
  if (m < n || n > q) {
    const basis = approximateBasis(at, a, n, m, q, niter, gaussian); // (n, q)
    const bt = matmul(a, basis, m, n, q); // (m, q)
    const f = svd(bt, m, q); // k = q
    return { u: f.u, s: f.s, v: matmul(basis, transpose(f.vt, q, q), n, q, q) };
  }
  const basis = approximateBasis(a, at, m, n, q, niter, gaussian); // (m, q)
  const bt = transpose(matmul(at, basis, n, m, q), n, q); // (q, n)
  const f = svd(bt, q, n); // k = q (n ≤ q here)
  return { u: matmul(basis, f.u, m, q, f.k), s: f.s, v: transpose(f.vt, f.k, n) };
}

/** torch._lowrank.get_approximate_basis: Q (rows, q) with orthonormal columns spanning x's range, x (rows, cols). */
function approximateBasis(
  x: Float64Array | ArrayLike<number>,
  xt: Float64Array | ArrayLike<number>,
  rows: number,
  cols: number,
  q: number,
  niter: number,
  gaussian: () => number,
): Float64Array {
  const r = Float64Array.from({ length: cols * q }, gaussian); // (cols, q)
  let basis = qr(matmul(x, r, rows, cols, q), rows, q).q; // (rows, q)
  for (let i = 0; i < niter; i++) {
    basis = qr(matmul(xt, basis, cols, rows, q), cols, q).q; // (cols, q)
    basis = qr(matmul(x, basis, rows, cols, q), rows, q).q; // (rows, q)
  }
  return basis;
}
