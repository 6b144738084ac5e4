// Cases of nf4Matmul (the fused 4-bit dequantize-and-multiply): both modes, odd sizes, ragged last blocks, blocksize
// 64 and 128, accumulate, LoRA/Qwen sizes, and double-quantized (nested) absmax.
import { caseList, type KernelCase } from './case-list.js';
import { poisoned, uniform } from './inputs.js';
import { gemmTolerance } from './tolerances.js';

const { cases, add } = caseList();

// --- nf4Matmul: both modes, odd sizes, a ragged last block, blocksize 64 and 128, accumulate, LoRA/Qwen sizes ------
function nf4(
  m: number,
  n: number,
  k: number,
  blocksize: number,
  mode: 'forward' | 'inputGrad',
  accumulate = false,
) {
  const outSize = m * (mode === 'forward' ? n : k);
  const name = `${mode} ${m}×${n}×${k} blocksize ${blocksize}${accumulate ? ' accumulate' : ''}`;
  // weights code · absmax reach |2|: products of std ≈ 0.4, so σ = 1 is a safe bound for gemmTolerance
  const reduction = mode === 'forward' ? k : n;
  add(
    'nf4Matmul',
    name,
    (rng) => ({
      x: uniform(rng, m * (mode === 'forward' ? k : n)),
      packed: Uint8Array.from({ length: Math.ceil((n * k) / 2) }, () => rng.int(256)),
      absmax: uniform(rng, Math.ceil((n * k) / blocksize), 0.05, 2),
      code: uniform(rng, 16),
      blocksize,
      out: accumulate ? uniform(rng, outSize) : poisoned(outSize),
      m,
      n,
      k,
      mode,
      accumulate,
    }),
    gemmTolerance(reduction, 1, 1),
  );
}
for (const mode of ['forward', 'inputGrad'] as const) {
  for (const [m, n, k, blocksize] of [
    [1, 1, 1, 64],
    [1, 7, 3, 64],
    [3, 5, 9, 64], // N·K odd: a half-used last byte
    [5, 17, 33, 64], // ragged last block
    [17, 33, 65, 128],
    [33, 65, 127, 64],
    [65, 31, 200, 128],
    [1, 896, 896, 64], // single-token matvec, Qwen2.5-0.5B hidden
    [9, 130, 258, 64],
  ] as const)
    nf4(m, n, k, blocksize, mode);
  nf4(7, 33, 65, 64, mode, true);
  nf4(17, 9, 129, 128, mode, true);
}
// decoding shapes (backend-wasm's fused dot-product path, M ≤ 8): one and three tokens, odd K (rows alternate between
// starting on a high and a low nibble) and odd N over 1,000 wide, blocks straddling the 16-element units
for (const [m, n, k, blocksize] of [
  [1, 1031, 1029, 64],
  [3, 1029, 1031, 64],
  [3, 257, 896, 64],
  [8, 65, 1001, 128],
] as const)
  nf4(m, n, k, blocksize, 'forward');
nf4(3, 129, 1027, 64, 'forward', true);

// --- nf4Matmul with a double-quantized absmax (nested): the scales restored inside the product ------------------
function nf4Nested(
  m: number,
  n: number,
  k: number,
  blocksize: number,
  nestedBlocksize: number,
  mode: 'forward' | 'inputGrad',
  accumulate = false,
) {
  const outSize = m * (mode === 'forward' ? n : k);
  const blocks = Math.ceil((n * k) / blocksize);
  const name = `${mode} ${m}×${n}×${k} blocksize ${blocksize} nested ${nestedBlocksize}${accumulate ? ' accumulate' : ''}`;
  // restored scales code · nestedAbsmax + offset lie in [0.15, 1.95], as the plain cases' absmax: same bound
  const reduction = mode === 'forward' ? k : n;
  add(
    'nf4Matmul',
    name,
    (rng) => ({
      x: uniform(rng, m * (mode === 'forward' ? k : n)),
      packed: Uint8Array.from({ length: Math.ceil((n * k) / 2) }, () => rng.int(256)),
      nested: {
        qabsmax: Uint8Array.from({ length: blocks }, () => rng.int(256)),
        nestedAbsmax: uniform(rng, Math.ceil(blocks / nestedBlocksize), 0.2, 0.9),
        nestedCode: uniform(rng, 256),
        nestedBlocksize,
        offset: 1.05,
      },
      code: uniform(rng, 16),
      blocksize,
      out: accumulate ? uniform(rng, outSize) : poisoned(outSize),
      m,
      n,
      k,
      mode,
      accumulate,
    }),
    gemmTolerance(reduction, 1, 1),
  );
}
for (const mode of ['forward', 'inputGrad'] as const) {
  for (const [m, n, k, blocksize, nestedBlocksize] of [
    [1, 7, 3, 64, 256], // one block, one nested block
    [3, 5, 9, 64, 256], // N·K odd: a half-used last byte
    [5, 17, 33, 16, 7], // 36 blocks in nested blocks of 7: the last one partial
    [17, 33, 65, 64, 3], // byte loads, ragged last block
    [33, 64, 128, 64, 5], // word loads (K % 8 = 0)
    [9, 130, 258, 64, 256], // 525 blocks: three nested blocks, the last partial
    [1, 130, 264, 64, 256], // matrix-vector, word loads, 537 blocks
    [1, 65, 33, 16, 3], // matrix-vector, byte loads
  ] as const)
    nf4Nested(m, n, k, blocksize, nestedBlocksize, mode);
  nf4Nested(7, 33, 65, 64, 3, mode, true);
  nf4Nested(1, 65, 96, 32, 5, mode, true);
}
nf4Nested(1, 1029, 1031, 64, 256, 'forward'); // decoding with double quantization, odd K and N
nf4Nested(3, 896, 1000, 64, 256, 'forward');

export const NF4_MATMUL_CASES: readonly KernelCase[] = cases;
