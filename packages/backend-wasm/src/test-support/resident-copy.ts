// A case's arguments copied into wasm memory, for the tests of kernels that use resident operands in place.
import type { WasmGemmEngine } from '../engine.js';

type Args = Record<string, unknown>;

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
