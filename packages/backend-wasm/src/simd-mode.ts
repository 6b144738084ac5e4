// Which kernel build runs: the simd option or LORA_WASM_SIMD, and relaxed SIMD obtained where the engine can
// have it — natively, or on Node 20 by turning V8's --experimental-wasm-relaxed-simd on at run time.
import { WasmBackendError } from './errors.js';
import { detectFeatures } from './features.js';
import { isNode } from './threads.js';

/** Which SIMD the kernels use: `auto` (relaxed when available), `relaxed` (required) or `baseline`. */
export type SimdMode = 'auto' | 'relaxed' | 'baseline';

/** The environment variable that sets the SIMD mode (`LORA_WASM_SIMD`). */
export const SIMD_ENV_VAR = 'LORA_WASM_SIMD';
const MODES: readonly SimdMode[] = ['auto', 'relaxed', 'baseline'];
const V8_RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

/**
 * How relaxed SIMD is available: 'native' (the engine validates it as is), 'v8-flag' (Node 20: validated after
 * setting V8's flag at run time, process-wide), 'none'.
 */
export type RelaxedSimdSource = 'native' | 'v8-flag' | 'none';

/** The mode: the option, else LORA_WASM_SIMD, else 'auto'; throws WasmBackendError for a value outside the three. */
export function resolveSimdMode(option: string | undefined, env: string | undefined): SimdMode {
  if (option !== undefined) {
    if (!isMode(option)) {
      throw new WasmBackendError(
        `wasm backend: simd expected one of ${MODES.join(', ')}, got ${JSON.stringify(option)}`,
      );
    }
    return option;
  }
  const value = env?.trim() ?? '';
  if (value === '') return 'auto';
  if (!isMode(value)) {
    throw new WasmBackendError(
      `wasm backend: ${SIMD_ENV_VAR} expected one of ${MODES.join(', ')}, got ${JSON.stringify(env)}`,
    );
  }
  return value;
}

/** LORA_WASM_SIMD from the environment, when there is one. */
export function simdFromEnv(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.[SIMD_ENV_VAR];
}

/**
 * Relaxed SIMD if this engine can have it. When the probe does not validate and this is Node, sets V8's
 * --experimental-wasm-relaxed-simd (through a dynamic import, so browsers never load node:v8) and validates
 * again. The flag is process-wide and stays set; worker threads see it too.
 */
export async function obtainRelaxedSimd(): Promise<RelaxedSimdSource> {
  if (detectFeatures().relaxedSimd) return flagSetHere ? 'v8-flag' : 'native';
  if (!isNode()) return 'none';
  try {
    const v8 = await import('node:v8');
    v8.setFlagsFromString(V8_RELAXED_FLAG);
  } catch {
    return 'none'; // a runtime without node:v8's setFlagsFromString (e.g. a Node look-alike)
  }
  flagSetHere = detectFeatures().relaxedSimd;
  return flagSetHere ? 'v8-flag' : 'none';
}

/** whether this module's V8 flag is what made relaxed SIMD validate (so later engines say so too) */
let flagSetHere = false;

function isMode(value: string): value is SimdMode {
  return (MODES as readonly string[]).includes(value);
}
