// The float64 factorizations PiSSA and OLoRA start from, as torch.linalg computes them: a reduced Householder QR with
// LAPACK's signs (geqrf + orgqr: R's diagonal is −sign(a_kk)·‖column‖), a one-sided Jacobi SVD (Hestenes), and
// torch.svd_lowrank's randomized range finder (Halko et al. 2009, Alg. 4.4 and 5.1). Row-major (rows, cols) arrays.

/** A reduced QR: Q (m, k) with orthonormal columns, R (k, n) upper triangular, k = min(m, n). */
export interface Qr {
  q: Float64Array;
  r: Float64Array;
  k: number;
}

/** torch.linalg.qr(a) (mode "reduced") for a (m, n), with LAPACK's Householder signs. */
export function qr(a: ArrayLike<number>, m: number, n: number): Qr {
  const k = Math.min(m, n);
  const w = Float64Array.from(a); // (m, n) overwritten by R above the diagonal, reflectors below
  const tau = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const alpha = w[j * n + j]!;
    let xnorm = 0;
    for (let i = j + 1; i < m; i++) xnorm = Math.hypot(xnorm, w[i * n + j]!);
    if (xnorm === 0) continue; // H = I (LAPACK dlarfg with tau = 0)
    const beta = (alpha >= 0 ? -1 : 1) * Math.hypot(alpha, xnorm);
    tau[j] = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    for (let i = j + 1; i < m; i++) w[i * n + j]! *= scale; // v = [1, x / (alpha − beta)]
    w[j * n + j] = beta;
    for (let c = j + 1; c < n; c++) applyReflector(w, n, m, j, tau[j]!, w, n, c);
  }
  const r = new Float64Array(k * n); // (k, n)
  for (let i = 0; i < k; i++) for (let c = i; c < n; c++) r[i * n + c] = w[i * n + c]!;
  const q = new Float64Array(m * k); // (m, k) = H_0 … H_{k−1} · I[:, :k], applied last reflector first
  for (let i = 0; i < k; i++) q[i * k + i] = 1;
  for (let j = k - 1; j >= 0; j--) for (let c = 0; c < k; c++) applyReflector(w, n, m, j, tau[j]!, q, k, c);
  return { q, r, k };
}

/** Column `c` of `x` (row stride `xs`) ← (I − τ v vᵀ) · column, v = [1, w[j+1.., j]] in rows j..m−1. */
function applyReflector(
  w: Float64Array,
  n: number,
  m: number,
  j: number,
  tau: number,
  x: Float64Array,
  xs: number,
  c: number,
): void {
  if (tau === 0) return;
  let dot = x[j * xs + c]!;
  for (let i = j + 1; i < m; i++) dot += w[i * n + j]! * x[i * xs + c]!;
  dot *= tau;
  x[j * xs + c]! -= dot;
  for (let i = j + 1; i < m; i++) x[i * xs + c]! -= dot * w[i * n + j]!;
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
        for (let i = 0; i < m; i++) {
          const [x, y] = [w[p * m + i]!, w[q * m + i]!];
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
  for (let i = 0; i < len; i++) {
    const [xp, xq] = [x[p * len + i]!, x[q * len + i]!];
    x[p * len + i] = c * xp - s * xq;
    x[q * len + i] = s * xp + c * xq;
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
