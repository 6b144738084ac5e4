import { readFileSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { f16ToF32 } from '@lora/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseSafetensors } from './buffer.js';
import type { TensorTypedArray } from './decode.js';
import type { SafetensorsDtype } from './dtypes.js';
import { SafetensorsError } from './errors.js';
import { SafetensorsFile } from './file.js';

// Files written by the independent Python writer (fixtures/golden-writer.py); F16/BF16 values converted by torch.
interface GoldenTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data_hex: string;
  f32_bits?: number[];
  torch_f32_bits?: number[];
}
interface GoldenCase {
  case: string;
  metadata: Record<string, string> | null;
  tensors: GoldenTensor[];
  file_b64: string;
}
const here = dirname(fileURLToPath(import.meta.url));
const golden = JSON.parse(readFileSync(join(here, '../fixtures/golden-writer.json'), 'utf8')) as {
  cases: GoldenCase[];
};
const mixed = golden.cases.find((c) => c.case === 'mixed-dtypes-and-names')!;
const mixedBytes = new Uint8Array(Buffer.from(mixed.file_b64, 'base64'));
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const dv = (t: GoldenTensor) => new DataView(hex(t.data_hex).buffer);

/** The values each tensor of the mixed case must read back as, computed from its bytes with DataView. */
function expectedTyped(t: GoldenTensor): unknown[] {
  const v = dv(t);
  const n = v.byteLength;
  const each = <T>(size: number, get: (o: number) => T) =>
    Array.from({ length: n / size }, (_, i) => get(i * size));
  switch (t.dtype) {
    case 'I64':
      return each(8, (o) => v.getBigInt64(o, true));
    case 'U64':
      return each(8, (o) => v.getBigUint64(o, true));
    case 'F64':
      return each(8, (o) => v.getFloat64(o, true));
    case 'F32':
    case 'C64':
      return each(4, (o) => v.getFloat32(o, true));
    case 'I32':
      return each(4, (o) => v.getInt32(o, true));
    case 'U32':
      return each(4, (o) => v.getUint32(o, true));
    case 'I16':
      return each(2, (o) => v.getInt16(o, true));
    case 'U16':
    case 'F16':
    case 'BF16':
      return each(2, (o) => v.getUint16(o, true));
    case 'I8':
      return each(1, (o) => v.getInt8(o));
    default:
      return each(1, (o) => v.getUint8(o));
  }
}

const ARRAY_OF: Partial<Record<SafetensorsDtype, string>> = {
  BOOL: 'Uint8Array',
  U8: 'Uint8Array',
  I8: 'Int8Array',
  F8_E4M3: 'Uint8Array',
  F8_E5M2: 'Uint8Array',
  I16: 'Int16Array',
  U16: 'Uint16Array',
  F16: 'Uint16Array',
  BF16: 'Uint16Array',
  I32: 'Int32Array',
  U32: 'Uint32Array',
  F32: 'Float32Array',
  C64: 'Float32Array',
  F64: 'Float64Array',
  I64: 'BigInt64Array',
  U64: 'BigUint64Array',
};

let dir: string;
let file: SafetensorsFile;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lora-safetensors-file-'));
  await writeFile(join(dir, 'mixed.safetensors'), mixedBytes);
  file = await SafetensorsFile.open(join(dir, 'mixed.safetensors'));
});
afterAll(async () => {
  await file.close();
  await rm(dir, { recursive: true, force: true });
});

// Both readers must agree: the on-demand file reader and the in-memory one (the latter at an odd byte offset,
// so every multi-byte typed read takes the unaligned-copy path).
const misaligned = new Uint8Array(mixedBytes.length + 1);
misaligned.set(mixedBytes, 1);
const readers = [
  ['SafetensorsFile', () => file],
  ['parseSafetensors', () => parseSafetensors(misaligned.subarray(1), 'mixed')],
] as const;

describe.each(readers)('%s reads files written by the Python writer', (_name, reader) => {
  test('names in file order, metadata, shapes', () => {
    const r = reader();
    expect(new Set(r.tensorNames())).toEqual(new Set(mixed.tensors.map((t) => t.name)));
    expect(r.tensorNames()[0]).toBe('u64'); // U64 first: descending alignment
    expect(r.metadata).toEqual(mixed.metadata);
    for (const t of mixed.tensors)
      expect([r.info(t.name).dtype, r.info(t.name).shape]).toEqual([t.dtype, t.shape]);
  });

  test.each(mixed.tensors.map((t) => [t.name, t] as const))('readRaw and readTyped: %j', async (_n, t) => {
    const r = reader();
    expect(Buffer.from(await r.readRaw(t.name)).toString('hex')).toBe(t.data_hex);
    const typed = (await r.readTyped(t.name)) as TensorTypedArray;
    expect(typed.constructor.name).toBe(ARRAY_OF[t.dtype]);
    expect(Array.from(typed as ArrayLike<unknown>)).toEqual(expectedTyped(t));
  });

  test.each(
    mixed.tensors
      .filter((t) => ['F16', 'BF16', 'F32', 'F64'].includes(t.dtype))
      .map((t) => [t.name, t] as const),
  )('readF32: %j', async (_n, t) => {
    const got = await reader().readF32(t.name);
    // F16/BF16: torch's own decode of the same bits; F32: the bytes; F64: Math.fround of the doubles
    const want = t.torch_f32_bits
      ? Array.from(new Float32Array(Uint32Array.from(t.torch_f32_bits).buffer))
      : (expectedTyped(t) as number[]).map(Math.fround);
    expect(Array.from(got)).toEqual(want);
  });

  test.each([
    [
      'readF32 of an integer tensor',
      'i32',
      'readF32',
      'UnsupportedDtype',
      'readF32: expected one of F16, BF16, F32, F64, got I32',
    ],
    ['readF32 of an F8 tensor', 'f8', 'readF32', 'UnsupportedDtype', 'got F8_E4M3; use readTyped'],
    [
      'an absent tensor',
      'model.nope',
      'readRaw',
      'TensorNotFound',
      'no such tensor: expected one of 23 names in the header',
    ],
  ] as const)('%s is refused', async (_label, name, method, code, message) => {
    const error = await Promise.resolve()
      .then(() => reader()[method](name))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as SafetensorsError).code).toBe(code);
    expect((error as SafetensorsError).tensor).toBe(name);
    expect((error as SafetensorsError).message).toContain(message);
  });
});

describe('SafetensorsFile', () => {
  test('readTyped of a packed 4-bit tensor is refused, readRaw gives its bytes', async () => {
    const text = '{"q":{"dtype":"F4","shape":[2,2],"data_offsets":[0,2]}}';
    const bytes = new Uint8Array(8 + text.length + 2);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(text.length), true);
    bytes.set(new TextEncoder().encode(text), 8);
    bytes.set([0x21, 0x43], 8 + text.length);
    await writeFile(join(dir, 'f4.safetensors'), bytes);
    const f4 = await SafetensorsFile.open(join(dir, 'f4.safetensors'));
    await expect(f4.readTyped('q')).rejects.toThrow(
      'readTyped: F4 packs elements below a byte and has no typed array',
    );
    expect([...(await f4.readRaw('q'))]).toEqual([0x21, 0x43]);
    await f4.close();
  });

  test('after close, reads fail with Closed', async () => {
    const f = await SafetensorsFile.open(join(dir, 'mixed.safetensors'));
    await f.close();
    await f.close(); // closing twice is harmless
    expect(f.info('u8').shape).toEqual([2, 2]); // header facts stay available
    await expect(f.readRaw('u8')).rejects.toMatchObject({ code: 'Closed', tensor: 'u8' });
  });

  test('a missing file or a directory is an Io error naming the path', async () => {
    await expect(SafetensorsFile.open(join(dir, 'absent.safetensors'))).rejects.toMatchObject({
      code: 'Io',
      file: join(dir, 'absent.safetensors'),
    });
    await expect(SafetensorsFile.open(dir)).rejects.toMatchObject({
      code: 'Io',
      message: expect.stringContaining('expected a regular file'),
    });
  });

  test('a file truncated after open fails the read with an end-of-file error, not short data', async () => {
    const path = join(dir, 'shrinks.safetensors');
    await writeFile(path, mixedBytes);
    const f = await SafetensorsFile.open(path);
    await writeFile(path, mixedBytes.subarray(0, mixedBytes.length - 8));
    await expect(f.readRaw('mask')).rejects.toMatchObject({
      code: 'Io',
      message: expect.stringContaining('unexpected end of file'),
    });
    await f.close();
  });

  test('readF32Into fills a view at an offset of a larger array with what readF32 returns, and nothing else', async () => {
    const f = await SafetensorsFile.open(join(dir, 'mixed.safetensors'));
    const floats = f.tensorNames().filter((n) => ['F16', 'BF16', 'F32', 'F64'].includes(f.info(n).dtype));
    expect(new Set(floats.map((n) => f.info(n).dtype)).size).toBeGreaterThanOrEqual(2);
    for (const name of floats) {
      const want = await f.readF32(name);
      const pool = new Float32Array(want.length + 5).fill(-7);
      const view = pool.subarray(3, 3 + want.length);
      expect(await f.readF32Into(name, view)).toBe(view);
      expect(
        Buffer.from(view.buffer, view.byteOffset, view.byteLength).equals(Buffer.from(want.buffer)),
      ).toBe(true);
      expect([...pool.subarray(0, 3), ...pool.subarray(3 + want.length)]).toEqual([-7, -7, -7, -7, -7]);
      await expect(f.readF32Into(name, new Float32Array(want.length + 1))).rejects.toThrow(
        `readF32Into: tensor "${name}": expected a target of ${want.length} elements, got ${want.length + 1}`,
      );
    }
    await f.close();
  });

  test('readF32 converts an F16 tensor larger than one conversion chunk', async () => {
    const n = (1 << 23) + 12345; // more than the 8 Mi elements of a 16 MiB chunk
    const text = `{"h":{"dtype":"F16","shape":[${n}],"data_offsets":[0,${2 * n}]}}`;
    const bits = new Uint16Array(n);
    for (let i = 0; i < n; i++) bits[i] = (i * 7919) & 0xffff; // every pattern, NaNs included
    const path = join(dir, 'big-f16.safetensors');
    const fh = await open(path, 'w');
    const head = new Uint8Array(8 + text.length);
    new DataView(head.buffer).setBigUint64(0, BigInt(text.length), true);
    head.set(new TextEncoder().encode(text), 8);
    await fh.write(head, 0, head.length, 0);
    await fh.write(new Uint8Array(bits.buffer), 0, bits.byteLength, head.length);
    await fh.close();
    const f = await SafetensorsFile.open(path);
    const got = await f.readF32('h');
    await f.close();
    const want = f16ToF32(bits);
    expect(got.length).toBe(n);
    expect(Buffer.compare(Buffer.from(got.buffer), Buffer.from(want.buffer))).toBe(0); // bit-exact, NaNs included
  });

  test('a 5 GB checkpoint opens by its header alone; a tensor past byte 2^32 is read in place', async () => {
    // sparse file: a 5e9-byte U8 tensor of zeros, then two f32 values; nothing reads the zeros
    const big = 5_000_000_000;
    const text = `{"big":{"dtype":"U8","shape":[${big}],"data_offsets":[0,${big}]},"tail":{"dtype":"F32","shape":[2],"data_offsets":[${big},${big + 8}]}}`;
    const head = new Uint8Array(8 + text.length);
    new DataView(head.buffer).setBigUint64(0, BigInt(text.length), true);
    head.set(new TextEncoder().encode(text), 8);
    const path = join(dir, 'sparse.safetensors');
    const fh = await open(path, 'w');
    await fh.write(head, 0, head.length, 0);
    await fh.write(new Uint8Array(Float32Array.of(1.25, -3).buffer), 0, 8, head.length + big);
    await fh.close();
    const f = await SafetensorsFile.open(path);
    expect(f.info('big')).toMatchObject({ byteLength: big, dataOffsets: [0, big] });
    expect([...(await f.readF32('tail'))]).toEqual([1.25, -3]);
    await f.close();
    await rm(path);
  });
});
