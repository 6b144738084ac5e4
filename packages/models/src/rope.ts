// Rotary tables with transformers' rope_scaling variants (modeling_rope_utils: default, linear, llama3), float32 math.
import { type DeviceMemory, type F32, hostMemory, memoryOf, ropeTables } from '@lora/core';
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
  /** copies of the current tables in device memories, dropped when the tables grow */
  #placed = new Map<DeviceMemory, { cos: F32; sin: F32 }>();

  constructor(
    readonly rotaryDim: number,
    readonly theta: number,
    readonly scaling?: RopeScaling,
  ) {
    this.#invFreq = ropeInvFreq(rotaryDim, theta, scaling);
  }

  /** The tables covering positions 0 … needed − 1, in the memory of `like` (uploaded once per growth). */
  tables(needed: number, like: F32): { cos: F32; sin: F32 } {
    this.ensure(needed);
    const memory = memoryOf(like);
    if (memory === hostMemory) return { cos: this.cos, sin: this.sin };
    let placed = this.#placed.get(memory);
    if (!placed) this.#placed.set(memory, (placed = { cos: memory.upload(this.cos), sin: memory.upload(this.sin) }));
    return placed;
  }

  /** Make the tables cover positions 0 … needed − 1 (rounded up to a power of two to grow rarely). */
  ensure(needed: number): void {
    if (needed <= this.positions) return;
    for (const [memory, placed] of this.#placed) {
      memory.free(placed.cos);
      memory.free(placed.sin);
    }
    this.#placed.clear();
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
