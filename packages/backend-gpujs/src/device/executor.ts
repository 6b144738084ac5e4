// Runs device kernels on records: each launch is a gpu.js pipeline kernel whose result becomes a record's values.
// On GL (webgl2, headlessgl) a launch runs when it is issued; on webgpu gpu.js returns results as Promises, so
// launches are queued and run in issue order, each after the one before has its result. Either way a launch looks
// its inputs up when it runs, so code issuing launches never waits for the device. (On gpu.js's CPU modes pipeline
// results are plain arrays: the same path runs in Node, which is how its tests check it without a GPU.)
import { GpujsBackendError } from '../errors.js';
import type { KernelRunner, KernelSpec, KernelThis } from '../runner.js';
import { copyOutput } from '../runner.js';
import { type DeviceResult, type TextureArray, TextureRecord } from './arrays.js';

/** A kernel launch argument: a device array (its record's current result; the launch adds the offset) or a scalar. */
export type LaunchArg = TextureArray | TextureRecord | number;

/** One kernel launch: the compiled kernel's cache key (name and shape), how to build it, and its arguments. */
export interface Launch {
  key: string;
  spec: () => KernelSpec;
  args: readonly LaunchArg[];
}

type NoConstants = Record<string, never>;

function zeroCell(this: KernelThis<NoConstants>): number {
  return 0;
}

function copyCell(this: KernelThis<NoConstants>, a: Float32Array): number {
  return a[this.thread.x]!;
}

// prev with [off, off + count) replaced by part
function spliceCell(
  this: KernelThis<NoConstants>,
  prev: Float32Array,
  part: Float32Array,
  off: number,
  count: number,
): number {
  const i = this.thread.x;
  if (i >= off && i < off + count) return part[i - off]!;
  return prev[i]!;
}

function sliceCell(this: KernelThis<NoConstants>, a: Float32Array, off: number): number {
  return a[off + this.thread.x]!;
}

function isRecord(arg: LaunchArg): arg is TextureRecord {
  return arg instanceof TextureRecord;
}

export class TextureExecutor {
  /** kernel launches issued (uploads excluded), counted when issued */
  dispatches = 0;
  readonly deferred: boolean;
  #tail: Promise<void> = Promise.resolve();
  #error: unknown;

  /** `deferred`: queue launches (default: on webgpu only, whose results are Promises) */
  constructor(
    readonly runner: KernelRunner,
    deferred = runner.mode === 'webgpu',
  ) {
    this.deferred = deferred;
  }

  /** Runs `op` now (GL), or queued after every op issued before it (webgpu); `always` runs it after a failure too. */
  #exec(op: () => void | Promise<void>, always = false): void {
    if (!this.deferred) {
      op();
      return;
    }
    this.#tail = this.#tail
      .then(() => (this.#error === undefined || always ? op() : undefined))
      .catch((cause: unknown) => {
        this.#error ??= cause;
      });
  }

  /** A record the caller owns until drop(): scratch space of one launch. */
  scratch(length: number): TextureRecord {
    return new TextureRecord(0, length, 'f32');
  }

  /** Runs `launch` and makes its result the values of `into` (whose length its output must have). */
  run(launch: Launch, into: TextureRecord): void {
    for (const arg of launch.args)
      if (typeof arg !== 'number') this.#ensureWritten(isRecord(arg) ? arg : arg.record);
    into.written = true;
    this.dispatches++;
    this.#exec(() => {
      const args = launch.args.map((arg) => (typeof arg === 'number' ? arg : kernelValue(this.#result(arg))));
      return this.#settle(this.runner.call(launch.key, launch.spec, args), into);
    });
  }

  /** into's values = data (host f32, as long as the record): one upload. */
  upload(into: TextureRecord, data: Float32Array): void {
    if (into.length === 0) return;
    into.written = true;
    const values = this.deferred ? data.slice() : data; // the caller may change data before the upload runs
    const n = into.length;
    this.#exec(() => {
      const spec = (): KernelSpec => ({ fn: copyCell, output: [n], argumentTypes: { a: 'Array' } });
      return this.#settle(this.runner.call(`upload:${n}`, spec, [values]), into);
    });
  }

  /** out's first `count` elements = part's (a record of `count`): replaced outright when that is all of out's record. */
  commit(out: TextureArray, part: TextureRecord): void {
    const count = part.length;
    if (out.offset === 0 && count === out.record.length) {
      const target = out.record;
      target.written = true;
      this.#exec(() => {
        this.#replace(target, part.result);
        part.result = undefined;
      });
    } else {
      const n = out.record.length;
      this.run(
        {
          key: `splice:${n}`,
          spec: () => ({
            fn: spliceCell,
            output: [n],
            argumentTypes: { prev: 'Texture', part: 'Texture', off: 'Float', count: 'Float' },
          }),
          args: [out.record, part, out.offset, count],
        },
        out.record,
      );
    }
    this.drop(part);
  }

  /** Writes the first `count` elements of `out` with `launch` (whose output has `count` elements). */
  write(out: TextureArray, count: number, launch: Launch): void {
    if (count === 0) return;
    if (out.offset === 0 && count === out.record.length) {
      this.run(launch, out.record);
      return;
    }
    const part = this.scratch(count);
    this.run(launch, part);
    this.commit(out, part);
  }

  /** Runs `launch` into a fresh scratch record of `count` elements; the caller commits or drops it. */
  compute(count: number, launch: Launch): TextureRecord {
    const part = this.scratch(count);
    this.run(launch, part);
    return part;
  }

  /** Releases a record's values (a freed array, a spent scratch record) once the launches issued before have run. */
  drop(record: TextureRecord): void {
    record.freed = true;
    this.#exec(() => {
      this.#replace(record, undefined);
    }, true);
  }

  /** The values of `array`, once every launch issued before it has run. */
  read(array: TextureArray): Promise<Float32Array> {
    if (array.length === 0) return Promise.resolve(new Float32Array(0));
    let source = array.record;
    let part: TextureRecord | undefined;
    if (!array.whole) {
      const n = array.length;
      part = this.compute(n, {
        key: `slice:${n}`,
        spec: () => ({ fn: sliceCell, output: [n], argumentTypes: { a: 'Texture', off: 'Float' } }),
        args: [array.record, array.offset],
      });
      source = part;
    } else {
      this.#ensureWritten(source);
    }
    const read = new Promise<Float32Array>((resolve, reject) => {
      this.#exec(() => {
        if (this.#error !== undefined) {
          reject(this.#takeError());
          return;
        }
        try {
          const values = this.#result(source).toArray();
          if (values instanceof Promise) return values.then((v) => resolve(flatten(v, array.length)), reject);
          resolve(flatten(values, array.length));
        } catch (cause) {
          reject(cause);
        }
      }, true);
    });
    if (part) this.drop(part);
    return read;
  }

  /** Resolves once every launch issued so far has run; throws the first failure among them. */
  async sync(): Promise<void> {
    await this.#tail;
    if (this.#error !== undefined) throw this.#takeError();
  }

  #takeError(): GpujsBackendError {
    const cause = this.#error;
    this.#error = undefined;
    if (cause instanceof GpujsBackendError) return cause;
    return new GpujsBackendError(
      `${this.runner.mode}: a queued kernel failed: ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
  }

  /** An array read before anything wrote it is zeros: fill its record first. */
  #ensureWritten(record: TextureRecord): void {
    if (record.written || record.length === 0) return;
    const n = record.length;
    this.run(
      { key: `zero:${n}`, spec: () => ({ fn: zeroCell, output: [n], argumentTypes: {} }), args: [] },
      record,
    );
  }

  #result(arg: TextureArray | TextureRecord): DeviceResult {
    const record = isRecord(arg) ? arg : arg.record;
    if (!record.result) {
      throw new GpujsBackendError(
        `${this.runner.mode}: an array of ${record.length} was read after it was freed (or before any kernel wrote it)`,
      );
    }
    return record.result;
  }

  #settle(result: unknown, into: TextureRecord): void | Promise<void> {
    if (result instanceof Promise) return result.then((r: unknown) => this.#replace(into, asResult(r)));
    this.#replace(into, asResult(result));
  }

  /** Makes `next` the record's values and releases the ones before. */
  #replace(record: TextureRecord, next: DeviceResult | undefined): void {
    const before = record.result;
    record.result = next;
    if (before && before !== next) release(before);
  }
}

/** A CPU mode's plain array result, wrapped to look like a texture; kernels get the array itself. */
interface PlainResult extends DeviceResult {
  plain: unknown;
}

/** A pipeline result: a texture or buffer as it is; a CPU mode's plain array wrapped to look like one. */
function asResult(value: unknown): DeviceResult {
  if (ArrayBuffer.isView(value) || Array.isArray(value))
    return { plain: value, toArray: () => value, delete: () => undefined } as PlainResult;
  return value as DeviceResult;
}

/** What a kernel takes for a result: the texture or buffer, or a CPU mode's array. */
function kernelValue(result: DeviceResult): unknown {
  return 'plain' in result ? (result as PlainResult).plain : result;
}

/**
 * Drops one reference to a result. gpu.js frees a GL texture through the kernel that made it, which does nothing once
 * that kernel is destroyed (evicted from the runner's cache): the texture is then deleted on its own context.
 */
function release(result: DeviceResult): void {
  result.delete();
  const gl = result as unknown as {
    texture?: { _refs?: number };
    kernel?: { context?: unknown };
    context?: { deleteTexture?(texture: unknown): void };
  };
  if (gl.texture && gl.texture._refs === 0 && !gl.kernel?.context) gl.context?.deleteTexture?.(gl.texture);
}

/** A gpu.js result (nested Float32Arrays for 2-D and 3-D outputs) as one flat Float32Array of `length`. */
function flatten(values: unknown, length: number): Float32Array {
  if (values instanceof Float32Array && values.length === length) return values;
  const out = new Float32Array(length);
  if (copyOutput(values, out, 0) === undefined)
    throw new GpujsBackendError(`expected a Float32Array from the device, got ${String(values)}`);
  return out;
}
