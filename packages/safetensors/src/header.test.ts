import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseSafetensors } from './buffer.js';
import { SafetensorsError, type SafetensorsErrorCode } from './errors.js';
import { SafetensorsFile } from './file.js';

/** A file: 8-byte little-endian length (of the header, or `length` when given), the header text, then `data`. */
function fileOf(header: string | object, data: number | Uint8Array = 0, length?: bigint): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + text.length + body.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(body, 8 + text.length);
  return out;
}

const f32 = (shape: number[], begin: number, end: number) => ({
  dtype: 'F32',
  shape,
  data_offsets: [begin, end],
});
const valid = fileOf({ a: f32([2], 0, 8), b: f32([1], 8, 12) }, 12);

interface Case {
  label: string;
  bytes: Uint8Array;
  code: SafetensorsErrorCode;
  message: string;
  tensor?: string;
}

// Each malformed-file case of the spec and the Rust crate's validation, with the error it must give.
const cases: Case[] = [
  {
    label: 'empty file',
    bytes: new Uint8Array(0),
    code: 'HeaderTooSmall',
    message: 'empty file: expected at least 8 bytes, got 0',
  },
  {
    label: 'file shorter than 8 bytes',
    bytes: Uint8Array.of(8, 0, 0, 0, 0),
    code: 'HeaderTooSmall',
    message: 'expected at least 8 bytes, got 5',
  },
  {
    label: 'header length > 100 MB',
    bytes: fileOf('{}', 0, 100_000_001n),
    code: 'HeaderTooLarge',
    message: 'header length too large: expected at most 100000000 bytes, got 100000001',
  },
  {
    label: 'header length near 2^64',
    bytes: fileOf('{}', 0, 0xffffffffffffffffn),
    code: 'HeaderTooLarge',
    message: 'got 18446744073709551615',
  },
  {
    label: 'header length past the end of the file',
    bytes: fileOf('{}', 0, 100n),
    code: 'InvalidHeaderLength',
    message: 'header length runs past the end of the file: expected at most 2 bytes, got 100',
  },
  {
    label: 'truncated file (data cut short)',
    bytes: valid.subarray(0, valid.length - 3),
    code: 'InvalidOffset',
    tensor: 'b',
    message: 'data_offsets out of range: expected end <= 9',
  },
  {
    label: 'header not UTF-8',
    bytes: fileOf('{"\xff"}').map((b, i) => (i === 10 ? 0xff : b)),
    code: 'InvalidHeader',
    message: 'header is not valid UTF-8',
  },
  {
    label: 'bad JSON',
    bytes: fileOf('{"a": {"dtype": "F32",'),
    code: 'InvalidHeaderDeserialization',
    message: 'header is not valid JSON',
  },
  {
    label: 'byte-order mark before the JSON',
    bytes: fileOf('\ufeff{}'),
    code: 'InvalidHeaderDeserialization',
    message: 'header is not valid JSON',
  },
  {
    label: 'header is an array',
    bytes: fileOf('[1, 2]'),
    code: 'InvalidHeaderDeserialization',
    message: 'header: expected a JSON object, got an array',
  },
  {
    label: 'header is a string',
    bytes: fileOf('"hi"'),
    code: 'InvalidHeaderDeserialization',
    message: 'expected a JSON object, got the string "hi"',
  },
  {
    label: 'header is null',
    bytes: fileOf('null'),
    code: 'InvalidHeaderDeserialization',
    message: 'expected a JSON object, got null',
  },
  {
    label: 'offsets out of range',
    bytes: fileOf({ a: f32([2], 0, 8), b: f32([1], 8, 12) }, 8),
    code: 'InvalidOffset',
    tensor: 'b',
    message: "data_offsets out of range: expected end <= 8 (the byte buffer's length), got 12",
  },
  {
    label: 'offsets overlapping',
    bytes: fileOf({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, 12),
    code: 'InvalidOffset',
    tensor: 'b',
    message: 'data_offsets [4, 12] overlap tensor "a", which ends at byte 8',
  },
  {
    label: 'offsets with a gap',
    bytes: fileOf({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, 12),
    code: 'InvalidOffset',
    tensor: 'b',
    message: 'data_offsets leave a gap: expected the tensor to begin at byte 4, got 8',
  },
  {
    label: 'first tensor not at byte 0',
    bytes: fileOf({ a: f32([1], 4, 8) }, 8),
    code: 'InvalidOffset',
    tensor: 'a',
    message: 'expected the tensor to begin at byte 0, got 4',
  },
  {
    label: 'end before begin',
    bytes: fileOf({ a: f32([0], 0, 0), b: f32([1], 8, 4) }, 8),
    code: 'InvalidOffset',
    tensor: 'b',
    message: 'data_offsets [8, 4]: expected end >= begin',
  },
  {
    label: 'size mismatch with shape × dtype',
    bytes: fileOf({ a: f32([2, 2], 0, 12) }, 12),
    code: 'TensorInvalidInfo',
    tensor: 'a',
    message: 'size mismatch: shape [2, 2] × F32 needs 16 bytes, data_offsets [0, 12] hold 12',
  },
  {
    label: 'bytes left after the last tensor',
    bytes: fileOf({ a: f32([1], 0, 4) }, 6),
    code: 'MetadataIncompleteBuffer',
    message: 'tensors do not cover the byte buffer: expected them to end at byte 6, got 4 (2 trailing bytes)',
  },
  {
    label: 'unknown dtype',
    bytes: fileOf({ a: { dtype: 'float32', shape: [1], data_offsets: [0, 4] } }, 4),
    code: 'UnknownDtype',
    tensor: 'a',
    message: 'unknown dtype: expected one of BOOL, F4,',
  },
  {
    label: 'lower-case dtype',
    bytes: fileOf({ a: { dtype: 'f32', shape: [1], data_offsets: [0, 4] } }, 4),
    code: 'UnknownDtype',
    tensor: 'a',
    message: 'got the string "f32"',
  },
  {
    label: 'metadata value not a string',
    bytes: fileOf({ __metadata__: { format: 'pt', step: 3 } }),
    code: 'InvalidMetadata',
    message: '__metadata__["step"]: expected a string, got number 3',
  },
  {
    label: 'metadata not an object',
    bytes: fileOf({ __metadata__: ['pt'] }),
    code: 'InvalidMetadata',
    message: '__metadata__: expected an object of strings, got an array',
  },
  {
    label: 'metadata nested object',
    bytes: fileOf({ __metadata__: { a: { b: 'c' } } }),
    code: 'InvalidMetadata',
    message: '__metadata__["a"]: expected a string, got an object',
  },
  {
    label: 'tensor entry not an object',
    bytes: fileOf({ a: [0, 4] }, 4),
    code: 'InvalidHeaderDeserialization',
    tensor: 'a',
    message: 'expected an object with dtype, shape and data_offsets, got an array',
  },
  {
    label: 'negative shape',
    bytes: fileOf({ a: f32([-1], 0, 4) }, 4),
    code: 'InvalidHeaderDeserialization',
    tensor: 'a',
    message: 'shape: expected an array of non-negative integers, got [-1]',
  },
  {
    label: 'fractional shape',
    bytes: fileOf({ a: f32([1.5], 0, 4) }, 4),
    code: 'InvalidHeaderDeserialization',
    tensor: 'a',
    message: 'got [1.5]',
  },
  {
    label: 'missing data_offsets',
    bytes: fileOf({ a: { dtype: 'F32', shape: [1] } }, 4),
    code: 'InvalidHeaderDeserialization',
    tensor: 'a',
    message: 'data_offsets: expected [begin, end] non-negative integers, got nothing',
  },
  {
    label: 'three data_offsets',
    bytes: fileOf({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4, 8] } }, 4),
    code: 'InvalidHeaderDeserialization',
    tensor: 'a',
    message: 'got [0,4,8]',
  },
  {
    label: 'shape overflowing 2^53 elements',
    bytes: fileOf({ a: f32([2 ** 30, 2 ** 30, 2 ** 30], 0, 4) }, 4),
    code: 'ValidationOverflow',
    tensor: 'a',
    message: 'has more than 2^53 - 1 elements',
  },
  {
    label: 'sub-byte dtype not filling whole bytes',
    bytes: fileOf({ a: { dtype: 'F4', shape: [3], data_offsets: [0, 2] } }, 2),
    code: 'MisalignedSlice',
    tensor: 'a',
    message: '3 elements of 4-bit F4 do not fill whole bytes',
  },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lora-safetensors-header-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openBytes(bytes: Uint8Array, name: string): Promise<SafetensorsFile> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return SafetensorsFile.open(path);
}

function expectError(error: unknown, c: Case, file: string): void {
  expect(error).toBeInstanceOf(SafetensorsError);
  const e = error as SafetensorsError;
  expect({ code: e.code, file: e.file, tensor: e.tensor }).toEqual({ code: c.code, file, tensor: c.tensor });
  expect(e.message).toContain(c.message);
  expect(e.message.startsWith(c.tensor === undefined ? `${file}: ` : `${file}: tensor "${c.tensor}": `)).toBe(
    true,
  );
}

describe('malformed files are refused with the right error', () => {
  test.each(cases.map((c) => [c.label, c] as const))('parseSafetensors: %s', (_label, c) => {
    let error: unknown;
    try {
      parseSafetensors(c.bytes, 'mem.safetensors');
    } catch (e) {
      error = e;
    }
    expectError(error, c, 'mem.safetensors');
  });

  test.each(cases.map((c, i) => [c.label, c, i] as const))(
    'SafetensorsFile.open: %s',
    async (_label, c, i) => {
      const path = join(dir, `case-${i}.safetensors`);
      const error = await openBytes(c.bytes, `case-${i}.safetensors`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectError(error, c, path);
    },
  );

  test('a valid control file opens in both readers', async () => {
    expect(parseSafetensors(valid).tensorNames()).toEqual(['a', 'b']);
    const file = await openBytes(valid, 'valid.safetensors');
    expect(file.tensorNames()).toEqual(['a', 'b']);
    await file.close();
  });
});

describe('what the format allows', () => {
  test.each([
    ['no tensors, header "{}"', fileOf('{}'), []],
    ['header padded with trailing spaces', fileOf('{}      '), []],
    ['tensors listed out of offset order', fileOf({ b: f32([1], 4, 8), a: f32([1], 0, 4) }, 8), ['a', 'b']],
    [
      'empty tensors sharing an offset',
      fileOf({ e1: f32([0], 4, 4), a: f32([1], 0, 4), e2: f32([2, 0], 4, 4) }, 4),
      ['a', 'e1', 'e2'],
    ],
    ['a scalar of shape []', fileOf({ s: f32([], 0, 4) }, 4), ['s']],
    [
      'unknown fields in a tensor entry are ignored',
      fileOf({ a: { ...f32([1], 0, 4), extra: true } }, 4),
      ['a'],
    ],
    ['__metadata__: null means no metadata', fileOf({ __metadata__: null, a: f32([1], 0, 4) }, 4), ['a']],
  ] as const)('%s', (_label, bytes, names) => {
    const parsed = parseSafetensors(bytes);
    expect(parsed.tensorNames()).toEqual(names);
  });

  test('a "__proto__" metadata key is kept as a plain entry', () => {
    const parsed = parseSafetensors(fileOf('{"__metadata__":{"__proto__":"x","a":"b"}}'));
    expect(Object.entries(parsed.metadata!)).toEqual([
      ['__proto__', 'x'],
      ['a', 'b'],
    ]);
  });

  test('info reports dtype, shape, elements, byte length and offsets', () => {
    const parsed = parseSafetensors(
      fileOf(
        { __metadata__: { format: 'pt' }, w: { dtype: 'BF16', shape: [2, 3], data_offsets: [0, 12] } },
        12,
      ),
    );
    expect(parsed.info('w')).toEqual({
      dtype: 'BF16',
      shape: [2, 3],
      elements: 6,
      byteLength: 12,
      dataOffsets: [0, 12],
    });
    expect(parsed.metadata).toEqual({ format: 'pt' });
    expect(parsed.info('w')).not.toBe(parsed.info('w')); // callers get copies
  });
});
