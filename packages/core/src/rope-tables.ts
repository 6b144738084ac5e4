// Rotary cos/sin tables as transformers' default rotary embedding builds them (inv_freq = 1 / θ^(2i/d), float32 math).

/** Options of `ropeTables`: the positions, the rotated dims per head and `rope_theta`. */
export interface RopeTablesOptions {
  /** number of positions P the tables cover (0 … P − 1) */
  positions: number;
  /** rotated dims per head (= head dim for every model here), even */
  rotaryDim: number;
  /** rope_theta: 10000 for Llama/TinyLlama/Gemma/GPT-NeoX, 1000000 for Qwen2.5 */
  theta: number;
}

/** `ropeTables` was given options it cannot build tables from. */
export class RopeTablesError extends Error {
  override name = 'RopeTablesError';
}

/**
 * The (P, rotaryDim/2) cos and sin tables the `rope` kernel reads. Each step is rounded to float32 as torch does
 * (inv_freq, position · inv_freq, cos), so the angles equal transformers' and not a float64 variant of them.
 */
export function ropeTables(options: RopeTablesOptions): { cos: Float32Array; sin: Float32Array } {
  const { positions, rotaryDim, theta } = options;
  if (!Number.isInteger(positions) || positions < 0) {
    throw new RopeTablesError(`ropeTables: positions expected a non-negative integer, got ${positions}`);
  }
  if (!Number.isInteger(rotaryDim) || rotaryDim <= 0 || rotaryDim % 2 !== 0) {
    throw new RopeTablesError(`ropeTables: rotaryDim expected a positive even integer, got ${rotaryDim}`);
  }
  if (!(theta > 0) || !Number.isFinite(theta)) {
    throw new RopeTablesError(`ropeTables: theta expected a finite number > 0, got ${theta}`);
  }
  const f = Math.fround;
  const half = rotaryDim / 2;
  const invFreq = new Float64Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = f(1 / f(f(theta) ** f((2 * i) / rotaryDim)));
  const cos = new Float32Array(positions * half); // (P, rotaryDim/2)
  const sin = new Float32Array(positions * half); // (P, rotaryDim/2)
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = f(p * invFreq[i]!);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}
