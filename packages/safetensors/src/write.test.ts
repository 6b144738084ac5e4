import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseSafetensors } from './buffer.js';
import { DTYPES, dtypeBits, type SafetensorsDtype } from './dtypes.js';
import { SafetensorsError } from './errors.js';
import { SafetensorsFile } from './file.js';
import {
  serializeSafetensors,
  serializeSafetensorsParts,
  type TensorData,
  type TensorInputs,
} from './serialize.js';
import { writeSafetensors } from './write.js';

interface GoldenTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data_hex: string;
  f32_bits?: number[];
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

const hexBytes = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

/** The inputs of a golden case: raw bytes, or the f32 values torch converted for F16/BF16 (we convert them too). */
function inputsOf(c: GoldenCase): TensorInputs {
  const out: Record<string, { dtype: SafetensorsDtype; shape: number[]; data: TensorData }> = {};
  for (const t of c.tensors) {
    const data = t.f32_bits ? new Float32Array(Uint32Array.from(t.f32_bits).buffer) : hexBytes(t.data_hex);
    out[t.name] = { dtype: t.dtype, shape: t.shape, data };
  }
  return out;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lora-safetensors-write-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('byte-exact against the independent Python writer (fixtures/golden-writer.py)', () => {
  test.each(golden.cases.map((c) => [c.case, c] as const))('%s', async (_name, c) => {
    const want = Buffer.from(c.file_b64, 'base64');
    const metadata = c.metadata ?? undefined;
    expect(Buffer.from(serializeSafetensors(inputsOf(c), metadata)).equals(want)).toBe(true);
    const parts = serializeSafetensorsParts(inputsOf(c), metadata);
    expect(parts).toHaveLength(c.tensors.length + 1); // the header, then one part per tensor
    expect(Buffer.concat(parts).equals(want)).toBe(true);
    const path = join(dir, `${c.case}.safetensors`);
    await writeSafetensors(path, inputsOf(c), metadata);
    expect((await readFile(path)).equals(want)).toBe(true);
  });

  test('an F32 part is a view of its input, not a copy', () => {
    const data = Float32Array.of(1, 2, 3);
    const [, part] = serializeSafetensorsParts({ w: { dtype: 'F32', shape: [3], data } });
    expect(part!.buffer).toBe(data.buffer);
  });

  test('the dtype-own typed arrays give the same bytes as raw bytes', () => {
    const c = golden.cases.find((g) => g.case === 'mixed-dtypes-and-names')!;
    const typed: Record<string, { dtype: SafetensorsDtype; shape: number[]; data: TensorData }> = {};
    const read = parseSafetensors(new Uint8Array(Buffer.from(c.file_b64, 'base64')));
    for (const t of c.tensors)
      typed[t.name] = { dtype: t.dtype, shape: t.shape, data: read.readTyped(t.name).slice() };
    expect(
      Buffer.from(serializeSafetensors(typed, c.metadata ?? undefined)).equals(
        Buffer.from(c.file_b64, 'base64'),
      ),
    ).toBe(true);
  });
});

describe('round trip', () => {
  test.each(DTYPES.map((d) => [d] as const))('every dtype: %s', async (dtype) => {
    const rng = makeRng(dtype.length * 31 + dtypeBits(dtype));
    const shape = [3, 4]; // 12 elements fill whole bytes for the 4- and 6-bit types too
    const bytes = Uint8Array.from({ length: (12 * dtypeBits(dtype)) / 8 }, () => rng.int(256));
    const path = join(dir, `rt-${dtype}.safetensors`);
    await writeSafetensors(path, {
      t: { dtype, shape, data: bytes },
      other: { dtype: 'U8', shape: [1], data: Uint8Array.of(9) },
    });
    const f = await SafetensorsFile.open(path);
    expect(f.info('t')).toEqual({
      dtype,
      shape,
      elements: 12,
      byteLength: bytes.length,
      dataOffsets: f.info('t').dataOffsets,
    });
    expect(await f.readRaw('t')).toEqual(bytes);
    if (dtypeBits(dtype) >= 8) {
      const typed = await f.readTyped('t');
      expect(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength)).toEqual(bytes);
    }
    await f.close();
  });

  test('f32 data written as F16 and BF16 reads back as the rounded values', async () => {
    const x = Float32Array.of(1, 0.1, -65504, 70000, 2 ** -25, 3e38, Number.NEGATIVE_INFINITY);
    const path = join(dir, 'halves.safetensors');
    await writeSafetensors(path, {
      h: { dtype: 'F16', shape: [7], data: x },
      b: { dtype: 'BF16', shape: [7], data: x },
    });
    const f = await SafetensorsFile.open(path);
    expect([...(await f.readF32('h'))]).toEqual([
      1,
      0.0999755859375,
      -65504,
      Number.POSITIVE_INFINITY,
      0,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
    expect([...(await f.readF32('b'))]).toEqual([
      1,
      0.10009765625,
      -65536,
      70144,
      2 ** -25,
      226 * 2 ** 120,
      Number.NEGATIVE_INFINITY,
    ]);
    await f.close();
  });
});

describe('input validation names the tensor, what was expected and what was found', () => {
  const f32 = (n: number) => new Float32Array(n);
  test.each([
    [
      'unknown dtype',
      { a: { dtype: 'F128', shape: [1], data: f32(1) } },
      'unknown dtype: expected a safetensors dtype such as F32 or BF16, got "F128"',
    ],
    [
      'negative dimension',
      { a: { dtype: 'F32', shape: [-1], data: f32(1) } },
      'shape: expected an array of non-negative integers, got [-1]',
    ],
    [
      'too few bytes',
      { a: { dtype: 'F32', shape: [2, 3], data: f32(5) } },
      'data size: shape [2, 3] × F32 needs 24 bytes, got 20',
    ],
    [
      'too many f32 values for BF16',
      { a: { dtype: 'BF16', shape: [2], data: f32(3) } },
      'needs 4 bytes, got 6 (3 f32 values)',
    ],
    [
      'Float64Array for F32',
      { a: { dtype: 'F32', shape: [1], data: new Float64Array(1) } },
      'data: expected Uint8Array (raw bytes) or Float32Array for F32, got Float64Array',
    ],
    [
      'Float32Array for I32',
      { a: { dtype: 'I32', shape: [1], data: f32(1) } },
      'expected Uint8Array (raw bytes) or Int32Array for I32, got Float32Array',
    ],
    [
      'Uint16Array for F8',
      { a: { dtype: 'F8_E4M3', shape: [2], data: new Uint16Array(1) } },
      'expected Uint8Array (raw bytes) for F8_E4M3, got Uint16Array',
    ],
    [
      'a reserved name',
      { __metadata__: { dtype: 'F32', shape: [1], data: f32(1) } },
      'the name __metadata__ is reserved',
    ],
    [
      'a lone surrogate in a name',
      { 'a\ud800': { dtype: 'F32', shape: [1], data: f32(1) } },
      'lone UTF-16 surrogate',
    ],
    [
      '4-bit values not filling whole bytes',
      { a: { dtype: 'F4', shape: [3], data: new Uint8Array(2) } },
      '3 elements of 4-bit F4 do not fill whole bytes',
    ],
  ] as const)('%s', async (_label, tensors, message) => {
    const path = join(dir, 'invalid.safetensors');
    const error = await writeSafetensors(path, tensors as unknown as TensorInputs).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as SafetensorsError).file).toBe(path);
    expect((error as SafetensorsError).tensor).toBe(Object.keys(tensors)[0]);
    expect((error as SafetensorsError).message).toContain(message);
    expect(await readdir(dir)).not.toContain('invalid.safetensors');
  });

  test('metadata values must be strings', async () => {
    const tensors = { a: { dtype: 'F32', shape: [1], data: f32(1) } } as const;
    await expect(
      writeSafetensors(join(dir, 'm.safetensors'), tensors, { step: 3 } as unknown as Record<string, string>),
    ).rejects.toMatchObject({
      code: 'InvalidMetadata',
      message: expect.stringContaining('metadata["step"]: expected a well-formed string, got number'),
    });
  });
});

describe('atomic write', () => {
  const tensors: TensorInputs = {
    a: { dtype: 'F32', shape: [4], data: Float32Array.of(1, 2, 3, 4) },
    b: { dtype: 'F32', shape: [2], data: Float32Array.of(5, 6) },
    c: { dtype: 'BF16', shape: [2], data: Float32Array.of(7, 8) },
  };

  async function freshDir(): Promise<string> {
    return mkdtemp(join(dir, 'atomic-'));
  }

  test('a write that throws midway (from onProgress) leaves no file and no temp file', async () => {
    const d = await freshDir();
    const seen: string[] = [];
    const error = await writeSafetensors(join(d, 'x.safetensors'), tensors, undefined, {
      onProgress: (p) => {
        seen.push(p.tensor);
        if (p.tensorsWritten === 2) throw new Error('disk quota exceeded');
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(seen).toEqual(['a', 'b']); // the failure came midway, after real bytes were written
    expect(error).toMatchObject({
      code: 'Aborted',
      message: expect.stringContaining('onProgress threw after tensor "b": disk quota exceeded'),
    });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(await readdir(d)).toEqual([]);
  });

  test('an abort signal midway leaves the previous file untouched and no temp file', async () => {
    const d = await freshDir();
    const path = join(d, 'x.safetensors');
    await writeFile(path, 'previous contents');
    const controller = new AbortController();
    await expect(
      writeSafetensors(path, tensors, undefined, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.tensorsWritten === 1) controller.abort(new Error('user cancelled'));
        },
      }),
    ).rejects.toMatchObject({
      code: 'Aborted',
      message: expect.stringContaining('write aborted after tensor "a"'),
    });
    expect(await readdir(d)).toEqual(['x.safetensors']);
    expect(await readFile(path, 'utf8')).toBe('previous contents');
  });

  test('an already aborted signal writes nothing', async () => {
    const d = await freshDir();
    await expect(
      writeSafetensors(join(d, 'x.safetensors'), tensors, undefined, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({
      code: 'Aborted',
    });
    expect(await readdir(d)).toEqual([]);
  });

  test('a directory that does not exist is an Io error naming the path', async () => {
    const path = join(dir, 'no-such-dir', 'x.safetensors');
    await expect(writeSafetensors(path, tensors)).rejects.toMatchObject({ code: 'Io', file: path });
  });

  test('a successful write replaces the previous file and reports progress to the end', async () => {
    const d = await freshDir();
    const path = join(d, 'x.safetensors');
    await writeFile(path, 'previous contents');
    const progress: number[] = [];
    await writeSafetensors(
      path,
      tensors,
      { format: 'pt' },
      { onProgress: (p) => progress.push(p.bytesWritten), fsync: false },
    );
    const bytes = await readFile(path);
    expect(progress.at(-1)).toBe(bytes.length);
    expect(await readdir(d)).toEqual(['x.safetensors']);
    expect([...parseSafetensors(bytes).readF32('c')]).toEqual([7, 8]);
  });
});
