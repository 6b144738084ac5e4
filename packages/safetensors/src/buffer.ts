// Read a whole safetensors file already in memory (browser, fetch, tests): same validation, zero-copy views.
import {
  checkF32Readable,
  decodeF32Into,
  f32SourceSize,
  type TensorTypedArray,
  typedView,
} from './decode.js';
import { type ParsedHeader, parseHeader, readHeaderLength, type TensorInfo } from './header.js';
import { lookup } from './reader.js';

/** A safetensors file already in memory (a fetch, a test): the same validation as files, with zero-copy views. */
export class SafetensorsBuffer {
  readonly source: string;
  readonly metadata: Readonly<Record<string, string>> | undefined;
  readonly #bytes: Uint8Array;
  readonly #header: ParsedHeader;
  readonly #dataStart: number;

  constructor(bytes: Uint8Array, source: string) {
    const n = readHeaderLength(bytes.subarray(0, 8), bytes.length, source);
    this.#header = parseHeader(bytes.subarray(8, 8 + n), bytes.length, source);
    this.#bytes = bytes;
    this.#dataStart = 8 + n;
    this.source = source;
    this.metadata = this.#header.metadata;
  }

  tensorNames(): string[] {
    return [...this.#header.names];
  }

  has(name: string): boolean {
    return this.#header.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = lookup(this.#header, name, this.source);
    return { ...info, shape: [...info.shape], dataOffsets: [...info.dataOffsets] };
  }

  /** A view of the tensor's bytes inside the buffer (no copy). */
  readRaw(name: string): Uint8Array {
    const [begin, end] = lookup(this.#header, name, this.source).dataOffsets;
    return this.#bytes.subarray(this.#dataStart + begin, this.#dataStart + end);
  }

  /** A new Float32Array with the tensor converted from F16, BF16, F32 or F64. */
  readF32(name: string): Float32Array {
    const { dtype, byteLength } = lookup(this.#header, name, this.source);
    checkF32Readable(dtype, this.source, name);
    const out = new Float32Array(byteLength / f32SourceSize(dtype));
    decodeF32Into(dtype, this.readRaw(name), out);
    return out;
  }

  /** A typed array of the tensor's own dtype: a view into the buffer when aligned, else a copy. */
  readTyped(name: string): TensorTypedArray {
    const { dtype } = lookup(this.#header, name, this.source);
    return typedView(dtype, this.readRaw(name), this.source, name);
  }
}

/**
 * Parse and validate a complete safetensors file held in memory. Throws SafetensorsError naming `sourceName`.
 * Reads return views sharing memory with `bytes`.
 */
export function parseSafetensors(bytes: Uint8Array, sourceName = '<buffer>'): SafetensorsBuffer {
  return new SafetensorsBuffer(bytes, sourceName);
}
