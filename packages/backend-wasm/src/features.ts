// Feature detection by validating tiny modules, as wasm-feature-detect does: SIMD, relaxed SIMD, shared memory.

/** (module (func (param v128) (result v128) local.get 0 local.get 0 f32x4.add)) */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b, 0x03, 0x02,
  0x01, 0x00, 0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0xe4, 0x01, 0x0b,
]);

/** (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)) */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02,
  0x0b,
]);

/** What this runtime's WebAssembly supports, as `detectFeatures` finds it. */
export interface WasmFeatures {
  /** fixed-width SIMD (v128): required */
  simd: boolean;
  /** relaxed SIMD (f32x4.relaxed_madd, FMA): Node 22+, Chrome 114+; Node 20 only with --experimental-wasm-relaxed-simd */
  relaxedSimd: boolean;
  /** WebAssembly.Memory({ shared: true }): Node, or a crossOriginIsolated page */
  sharedMemory: boolean;
}

/** Probe the runtime by validating tiny modules: fixed-width SIMD, relaxed SIMD (FMA) and shared memory. */
export function detectFeatures(): WasmFeatures {
  if (typeof WebAssembly !== 'object') return { simd: false, relaxedSimd: false, sharedMemory: false };
  return {
    simd: WebAssembly.validate(SIMD_PROBE),
    relaxedSimd: WebAssembly.validate(RELAXED_SIMD_PROBE),
    sharedMemory: canShareMemory(),
  };
}

function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    return (
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer
    );
  } catch {
    return false;
  }
}
