// rope_theta and rope_scaling (or transformers 5's rope_parameters) of a rotary model (modeling_rope_utils:
// default, linear, llama3); other scalings are refused naming the key.
import type { RopeScaling } from '../config.js';
import type { ConfigReader } from './config-reader.js';

type Raw = Record<string, unknown>;

/** The rotary base and scaling of `r`'s config; throws ModelConfigError for a scaling this package does not compute. */
export function parseRope(r: ConfigReader): { theta: number; scaling: RopeScaling | undefined } {
  const params = r.raw.rope_parameters;
  const paramsObj = typeof params === 'object' && params !== null ? (params as Raw) : undefined;
  const theta =
    r.raw.rope_theta !== undefined
      ? r.num('rope_theta', 10000)
      : r.num('rope_theta', 10000, paramsObj ?? {}, 'rope_parameters.rope_theta');
  const key = r.has('rope_scaling') ? 'rope_scaling' : 'rope_parameters';
  const spec = r.raw[key];
  if (spec === undefined || spec === null) return { theta, scaling: undefined };
  if (typeof spec !== 'object' || Array.isArray(spec)) r.fail(key, 'an object or null', spec);
  const s = spec as Raw;
  const type = s.rope_type ?? s.type ?? 'default';
  if (type === 'default') return { theta, scaling: undefined };
  if (type !== 'linear' && type !== 'llama3') {
    // refused before its parameters are read: longrope (Phi-3 128k) has no factor to name
    r.fail(
      `${key}.rope_type`,
      '"default", "linear" or "llama3" (other RoPE scalings are not supported)',
      type,
    );
  }
  const factor = r.num('factor', Number.NaN, s, `${key}.factor`);
  if (type === 'linear') return { theta, scaling: { type, factor } };
  // llama3: long wavelengths slowed by factor, a smooth ramp between low_freq_factor and high_freq_factor
  const lowFreqFactor = r.num('low_freq_factor', Number.NaN, s, `${key}.low_freq_factor`);
  const highFreqFactor = r.num('high_freq_factor', Number.NaN, s, `${key}.high_freq_factor`);
  if (!(highFreqFactor > lowFreqFactor))
    r.fail(`${key}.high_freq_factor`, `a number > low_freq_factor ${lowFreqFactor}`, highFreqFactor);
  const originalMaxPositions = r.num(
    'original_max_position_embeddings',
    Number.NaN,
    s,
    `${key}.original_max_position_embeddings`,
  );
  return { theta, scaling: { type: 'llama3', factor, lowFreqFactor, highFreqFactor, originalMaxPositions } };
}
