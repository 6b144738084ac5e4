// Axis ticks at "nice" numbers (Heckbert, Graphics Gems 1990: steps of 1, 2 or 5 × 10^k) and log-scale decades.
import { MetricsError, show } from './errors.js';

/** Axis ticks: the range they cover and the tick values. */
export interface Ticks {
  /** axis start (the first tick) */
  min: number;
  /** axis end (the last tick) */
  max: number;
  step: number;
  values: number[];
}

function niceNumber(x: number, round: boolean): number {
  const exp = Math.floor(Math.log10(x));
  const f = x / 10 ** exp;
  let nice: number;
  if (round) nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  else nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * 10 ** exp;
}

/** Decimals needed to print multiples of `step` exactly. */
export function stepDecimals(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

function clean(v: number, decimals: number): number {
  const r = Number(v.toFixed(Math.min(decimals, 20)));
  return r === 0 ? 0 : r; // no -0
}

/** About `count` ticks covering [lo, hi] at multiples of a nice step; a zero-width range is widened. */
export function niceLinearTicks(lo: number, hi: number, count = 5): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) {
    throw new MetricsError(`niceLinearTicks: expected finite lo <= hi, got ${show(lo)} and ${show(hi)}`);
  }
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const range = niceNumber(hi - lo, false);
  const step = niceNumber(range / Math.max(1, count - 1), true);
  const decimals = stepDecimals(step);
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const values: number[] = [];
  for (let i = first; i <= last; i++) values.push(clean(i * step, decimals));
  return { min: values[0]!, max: values[values.length - 1]!, step, values };
}

/** Ticks at powers of ten covering [lo, hi] (both > 0), every k-th decade so that at most ~9 ticks show. */
export function logTicks(lo: number, hi: number): Ticks {
  if (!(lo > 0) || !(hi > 0) || !Number.isFinite(hi) || lo > hi) {
    throw new MetricsError(`logTicks: expected 0 < lo <= hi < Infinity, got ${show(lo)} and ${show(hi)}`);
  }
  let e0 = Math.floor(Math.log10(lo) + 1e-12);
  let e1 = Math.ceil(Math.log10(hi) - 1e-12);
  if (e0 === e1) {
    e0 -= 1;
    e1 += 1;
  }
  const k = Math.max(1, Math.ceil((e1 - e0) / 8));
  const values: number[] = [];
  for (let e = e0; e < e1 + k; e += k) {
    values.push(Number(`1e${e}`));
    if (e >= e1) break;
  }
  return { min: values[0]!, max: values[values.length - 1]!, step: k, values };
}

/** Tick label: linear ticks with the step's decimals; decades as plain numbers from 1e-4 to 1e5, else `1e7`. */
export function formatTick(value: number, ticks: Ticks, scale: 'linear' | 'log'): string {
  if (scale === 'log') {
    const e = Math.round(Math.log10(value));
    return e >= -4 && e <= 5 ? String(Number(`1e${e}`)) : `1e${e}`;
  }
  if (Math.abs(value) >= 1e6) return value.toExponential();
  return value.toFixed(stepDecimals(ticks.step));
}
