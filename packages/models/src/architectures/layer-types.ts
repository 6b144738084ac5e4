// Which layers attend through the sliding window: transformers' `layer_types` ("sliding_attention" or
// "full_attention", one per layer) when config.json lists them, else the architecture's own default rule.
import type { ConfigReader } from './config-reader.js';

const LAYER_TYPES = ['sliding_attention', 'full_attention'] as const;

/** One flag per layer: true where it slides; `byDefault(i)` when config.json has no layer_types. */
export function slidingLayers(
  r: ConfigReader,
  numLayers: number,
  byDefault: (layer: number) => boolean,
): boolean[] {
  const types = r.raw.layer_types;
  if (types === undefined || types === null) return Array.from({ length: numLayers }, (_, i) => byDefault(i));
  if (
    !Array.isArray(types) ||
    types.length !== numLayers ||
    !types.every((t) => (LAYER_TYPES as readonly unknown[]).includes(t))
  )
    r.fail('layer_types', `a list of ${numLayers} "sliding_attention" or "full_attention"`, types);
  return types.map((t) => t === 'sliding_attention');
}
