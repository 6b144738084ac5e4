// Rotary tables with transformers' rope_scaling variants (modeling_rope_utils: default, linear, llama3), float32 math.
import { ropeTables } from '@lora/core';
import type { RopeScaling } from './config.js';

const f = Math.fround;

/** inv_freq (rotaryDim/2) as transformers computes it, each step rounded to float32. */
export function ropeInvFreq(rotaryDim: number, theta: number, scaling?: RopeScaling): Float64Array {
  const half = rotaryDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = f(1 / f(f(theta) ** f((2 * i) / rotaryDim)));
  if (!scaling) return inv;
  if (scaling.type === 'linear') {
    for (let i = 0; i < half; i++) inv[i] = f(inv[i]! / scaling.factor);
    return inv;
  }
  // llama3: long wavelengths slowed by `factor`, short ones kept, a smooth ramp in between
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositions } = scaling;
  const lowFreqWavelen = f(originalMaxPositions / lowFreqFactor);
  const highFreqWavelen = f(originalMaxPositions / highFreqFactor);
  for (let i = 0; i < half; i++) {
    const freq = inv[i]!;
    const wavelen = f(f(2 * Math.PI) / freq);
    let scaled = wavelen > lowFreqWavelen ? f(freq / factor) : freq;
    if (!(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen)) {
      const smooth = f(
        f(f(originalMaxPositions / wavelen) - lowFreqFactor) / f(highFreqFactor - lowFreqFactor),
      );
      scaled = f(f(f(f(1 - smooth) * scaled) / factor) + f(smooth * scaled));
    }
    inv[i] = scaled;
  }
  return inv;
}

/** Grows (P, rotaryDim/2) cos/sin tables on demand; shared by every layer of a model. */
export class RopeTables {
  cos: Float32Array = new Float32Array(0);
  sin: Float32Array = new Float32Array(0);
  positions = 0;
  readonly #invFreq: Float64Array;

  constructor(
    readonly rotaryDim: number,
    readonly theta: number,
    readonly scaling?: RopeScaling,
  ) {
    this.#invFreq = ropeInvFreq(rotaryDim, theta, scaling);
  }

  /** Make the tables cover positions 0 … needed − 1 (rounded up to a power of two to grow rarely). */
  ensure(needed: number): void {
    if (needed <= this.positions) return;
    let p = Math.max(64, this.positions);
    while (p < needed) p *= 2;
    if (!this.scaling) {
      ({ cos: this.cos, sin: this.sin } = ropeTables({
        positions: p,
        rotaryDim: this.rotaryDim,
        theta: this.theta,
      }));
    } else {
      const half = this.rotaryDim / 2;
      this.cos = new Float32Array(p * half); // (P, rotaryDim/2)
      this.sin = new Float32Array(p * half); // (P, rotaryDim/2)
      for (let pos = 0; pos < p; pos++) {
        for (let i = 0; i < half; i++) {
          const angle = f(pos * this.#invFreq[i]!);
          this.cos[pos * half + i] = Math.cos(angle);
          this.sin[pos * half + i] = Math.sin(angle);
        }
      }
    }
    this.positions = p;
  }
}
