// Shared by the elementwise kernel tests: seeds from case names, a tolerance check that lets equal non-finite
// values pass, and copies of a case's arrays into wasm memory.
import { expectClose } from '@lora/testing';
import type { WasmGemmEngine } from '../engine.js';
import type { CaseTolerance } from './elementwise-cases.js';

type Args = Record<string, unknown>;

/** FNV-1a of a case's name: its seed. */
export function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Within tolerance; positions where both are the same non-finite value (±Infinity, NaN) count as equal. */
export function expectNear(
  actual: Float32Array,
  expected: Float32Array,
  tol: CaseTolerance,
  label: string,
): void {
  const a = Float32Array.from(actual);
  const e = Float32Array.from(expected);
  let max = 0;
  for (let i = 0; i < e.length; i++) {
    if (Object.is(a[i], e[i]) || (Number.isNaN(a[i]!) && Number.isNaN(e[i]!))) a[i] = e[i] = 0;
    else max = Math.max(max, Math.abs(e[i]!));
  }
  expectClose(a, e, { rtol: tol.rtol, atol: (tol.atol ?? 0) + (tol.atolOfMax ?? 0) * max }, label);
}

/** The same arguments with every typed array copied into wasm memory (an array passed twice, once). */
export function residentCopy(engine: WasmGemmEngine, args: Args): { args: Args; free: () => void } {
  const held: Float32Array[] = [];
  const copy: Args = {};
  const copied = new Map<unknown, unknown>();
  for (const [key, value] of Object.entries(args)) {
    if (copied.has(value)) copy[key] = copied.get(value);
    else if (value instanceof Float32Array || value instanceof Int32Array || value instanceof Uint8Array) {
      const block = engine.allocF32(Math.max(1, Math.ceil(value.byteLength / 4)));
      held.push(block);
      const Type = value.constructor as new (
        buffer: ArrayBufferLike,
        byteOffset: number,
        length: number,
      ) => Float32Array | Int32Array | Uint8Array;
      const view = new Type(block.buffer, block.byteOffset, value.length);
      view.set(value as never);
      copy[key] = view;
      copied.set(value, view);
    } else copy[key] = value;
  }
  return {
    args: copy,
    free: () => {
      for (const b of held) engine.free(b);
    },
  };
}
