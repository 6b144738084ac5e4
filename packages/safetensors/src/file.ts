// A safetensors file on disk read on demand: open() reads the header only; each tensor is one positioned read.
import type { FileHandle } from 'node:fs/promises';
import {
  checkF32Readable,
  decodeF32Into,
  f32SourceSize,
  type TensorTypedArray,
  typedElementSize,
  typedView,
} from './decode.js';
import { ioError, SafetensorsError } from './errors.js';
import { type ParsedHeader, parseHeader, readHeaderLength, type TensorInfo } from './header.js';
import { nodeFs } from './node-fs.js';
import { lookup, type TensorReader } from './reader.js';

/** Largest single read (fs reads are capped near 2 GiB) and the f16/bf16/f64 -> f32 conversion chunk. */
const MAX_READ = 1 << 30;
const CONVERT_CHUNK = 1 << 24;

async function readFully(
  fh: FileHandle,
  target: Uint8Array,
  position: number,
  file: string,
  tensor?: string,
): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const length = Math.min(target.length - done, MAX_READ);
    let bytesRead: number;
    try {
      ({ bytesRead } = await fh.read(target, done, length, position + done));
    } catch (cause) {
      throw ioError(file, `read of ${target.length} bytes at byte ${position} failed`, cause);
    }
    if (bytesRead === 0) {
      throw new SafetensorsError(
        'Io',
        file,
        `unexpected end of file: expected ${target.length} bytes at byte ${position}, got ${done} (did the file change after open?)`,
        tensor === undefined ? {} : { tensor },
      );
    }
    done += bytesRead;
  }
}

export class SafetensorsFile implements TensorReader {
  readonly path: string;
  readonly metadata: Readonly<Record<string, string>> | undefined;
  #fh: FileHandle | undefined;
  readonly #header: ParsedHeader;
  readonly #dataStart: number;

  private constructor(path: string, fh: FileHandle, header: ParsedHeader) {
    this.path = path;
    this.#fh = fh;
    this.#header = header;
    this.#dataStart = 8 + header.headerLength;
    this.metadata = header.metadata;
  }

  /** Open a file and read and validate its header; tensor data stays on disk until asked for. */
  static async open(path: string): Promise<SafetensorsFile> {
    const { fs } = await nodeFs(path);
    let fh: FileHandle;
    try {
      fh = await fs.open(path, 'r');
    } catch (cause) {
      throw ioError(path, 'cannot open', cause);
    }
    try {
      const stat = await fh
        .stat()
        .catch((cause: unknown) => Promise.reject(ioError(path, 'cannot stat', cause)));
      if (!stat.isFile())
        throw new SafetensorsError('Io', path, 'expected a regular file, got a directory or device');
      const prefix = new Uint8Array(Math.min(8, stat.size));
      await readFully(fh, prefix, 0, path);
      const n = readHeaderLength(prefix, stat.size, path);
      const headerBytes = new Uint8Array(n);
      await readFully(fh, headerBytes, 8, path);
      return new SafetensorsFile(path, fh, parseHeader(headerBytes, stat.size, path));
    } catch (error) {
      await fh.close().catch(() => undefined);
      throw error;
    }
  }

  tensorNames(): string[] {
    return [...this.#header.names];
  }

  has(name: string): boolean {
    return this.#header.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = lookup(this.#header, name, this.path);
    return { ...info, shape: [...info.shape], dataOffsets: [...info.dataOffsets] };
  }

  #handle(name: string): FileHandle {
    if (!this.#fh)
      throw new SafetensorsError('Closed', this.path, 'the file is closed: expected an open file', {
        tensor: name,
      });
    return this.#fh;
  }

  /** Read `byteLength` bytes of a tensor starting `skip` bytes into its data into `target`. */
  async #readInto(name: string, info: TensorInfo, target: Uint8Array, skip = 0): Promise<void> {
    const fh = this.#handle(name);
    await readFully(fh, target, this.#dataStart + info.dataOffsets[0] + skip, this.path, name);
  }

  /** The tensor's bytes as stored (a fresh buffer). */
  async readRaw(name: string): Promise<Uint8Array> {
    const info = lookup(this.#header, name, this.path);
    const bytes = new Uint8Array(info.byteLength);
    await this.#readInto(name, info, bytes);
    return bytes;
  }

  /** The tensor as f32, converted from F16, BF16, F32 or F64 chunk by chunk (peak memory: the result + 16 MiB). */
  async readF32(name: string): Promise<Float32Array> {
    const info = lookup(this.#header, name, this.path);
    checkF32Readable(info.dtype, this.path, name);
    return this.readF32Into(name, new Float32Array(info.byteLength / f32SourceSize(info.dtype)));
  }

  /**
   * The tensor as f32 into `out`, which must hold exactly its elements — e.g. an array of a backend's memory, so a
   * large tensor is never also on the JS heap (peak: 16 MiB of conversion scratch). Returns `out`.
   */
  async readF32Into(name: string, out: Float32Array): Promise<Float32Array> {
    const info = lookup(this.#header, name, this.path);
    checkF32Readable(info.dtype, this.path, name);
    const size = f32SourceSize(info.dtype);
    if (out.length !== info.byteLength / size)
      throw new SafetensorsError(
        'InvalidTensor',
        this.path,
        `readF32Into: tensor "${name}": expected a target of ${info.byteLength / size} elements, got ${out.length}`,
        { tensor: name },
      );
    if (info.dtype === 'F32') {
      await this.#readInto(name, info, new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
      return out;
    }
    const chunkElements = Math.min(out.length, CONVERT_CHUNK / size);
    const scratch = new Uint8Array(chunkElements * size);
    for (let start = 0; start < out.length; start += chunkElements) {
      const count = Math.min(chunkElements, out.length - start);
      const bytes = scratch.subarray(0, count * size);
      await this.#readInto(name, info, bytes, start * size);
      decodeF32Into(info.dtype, bytes, out.subarray(start, start + count));
    }
    return out;
  }

  /** The tensor as a typed array of its own dtype (F16/BF16 as bit patterns; see TypedArrayOf). */
  async readTyped(name: string): Promise<TensorTypedArray> {
    const info = lookup(this.#header, name, this.path);
    typedElementSize(info.dtype, this.path, name); // refuse F4/F6 before reading
    const bytes = await this.readRaw(name);
    return typedView(info.dtype, bytes, this.path, name);
  }

  async close(): Promise<void> {
    const fh = this.#fh;
    this.#fh = undefined;
    await fh?.close();
  }
}
