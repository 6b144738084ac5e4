// The decode table's shapes: issue 14's small model (the LoRA-step table's 4-layer hidden-512 Llama, vocabulary
// 2,000), the Qwen2.5-0.5B shape and the Qwen2.5-1.5B shape (their real configs with the first `layers` decoder
// layers and the full 151,936-token vocabulary). One case per shape: its config, prompt, new tokens and timed runs.

import { qwenBenchConfig } from './bench-models.js';
import { SMALL_MODEL_OVERRIDES } from './lora-step.js';

export const DECODE_SHAPES = ['small', 'qwen2.5-0.5b', 'qwen2.5-1.5b'] as const;
export type DecodeShapeName = (typeof DECODE_SHAPES)[number];
/** the shapes a --quick run decodes unless told otherwise (the 1.5B shape takes minutes) */
export const QUICK_DECODE_SHAPES: readonly DecodeShapeName[] = ['small', 'qwen2.5-0.5b'];
/** decoder layers of a Qwen shape unless told otherwise; the small model always runs all 4 */
export const DEFAULT_DECODE_LAYERS = 8;

export interface DecodeCase {
  shape: DecodeShapeName;
  /** config.json of the model, num_hidden_layers = layers */
  config: Record<string, unknown>;
  /** decoder layers run, of the shape's `totalLayers` */
  layers: number;
  totalLayers: number;
  prompt: number;
  newTokens: number;
  /** timed runs of each engine, after one warm-up run each */
  reps: number;
}

/** `config` with its first `layers` decoder layers (and as many layer_types, where it lists them). */
export function withLayers(config: Record<string, unknown>, layers: number): Record<string, unknown> {
  const types = config.layer_types;
  return {
    ...config,
    num_hidden_layers: layers,
    ...(Array.isArray(types) ? { layer_types: types.slice(0, layers) } : {}),
  };
}

/**
 * One shape's case. `layers` applies to the Qwen shapes (1 to the shape's total, else RangeError); the small model
 * runs its 4 layers, and twice the new tokens (its tokens take milliseconds).
 */
export function decodeCase(
  shape: DecodeShapeName,
  quick: boolean,
  layers = DEFAULT_DECODE_LAYERS,
  config: Record<string, unknown> = shape === 'small' ? SMALL_MODEL_OVERRIDES : sourcedConfig(shape).config,
): DecodeCase {
  const total = config.num_hidden_layers as number;
  const run = shape === 'small' ? total : layers;
  if (!Number.isInteger(run) || run < 1 || run > total) {
    throw new RangeError(`decode bench: ${shape} layers expected an integer from 1 to ${total}, got ${run}`);
  }
  const newTokens = quick ? 9 : 25;
  return {
    shape,
    config: withLayers(config, run),
    layers: run,
    totalLayers: total,
    prompt: 16,
    newTokens: shape === 'small' ? 2 * newTokens : newTokens,
    reps: quick ? 2 : 4,
  };
}

/** The shape's config and where it came from (a shared fixture file, or the inlined copy). */
export function sourcedConfig(shape: DecodeShapeName): { config: Record<string, unknown>; source: string } {
  if (shape === 'small')
    return { config: SMALL_MODEL_OVERRIDES, source: 'SMALL_MODEL_OVERRIDES (lora-step.ts)' };
  return qwenBenchConfig(shape === 'qwen2.5-0.5b' ? '0.5b' : '1.5b');
}

/** `--decode-shapes a,b`: the named shapes in table order; throws RangeError naming an unknown one. */
export function parseDecodeShapes(text: string): DecodeShapeName[] {
  const names = text.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(DECODE_SHAPES as readonly string[]).includes(name)) {
      throw new RangeError(
        `decode bench: --decode-shapes expected some of ${DECODE_SHAPES.join(', ')}, got "${name}"`,
      );
    }
  }
  return DECODE_SHAPES.filter((s) => names.includes(s));
}
