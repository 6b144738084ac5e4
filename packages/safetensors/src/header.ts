// Header parsing and validation, as huggingface/safetensors `SafeTensors::read_metadata` + `Metadata::validate` do it.

import { DTYPES, isDtype, type SafetensorsDtype, tensorByteLength } from './dtypes.js';
import { SafetensorsError } from './errors.js';

/** The crate's MAX_HEADER_SIZE: headers above 100 MB are refused before any JSON is parsed. */
export const MAX_HEADER_SIZE = 100_000_000;

/** A tensor's header entry: dtype, shape, element count, byte length and data offsets. */
export interface TensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  /** number of elements (1 for a scalar of shape []) */
  elements: number;
  byteLength: number;
  /** [begin, end) relative to the start of the byte buffer, as in the header */
  dataOffsets: [number, number];
}

export interface ParsedHeader {
  /** N, the header's byte length; tensor data starts at byte 8 + N of the file */
  headerLength: number;
  /** tensor names in file order (by data offset) */
  names: string[];
  tensors: Map<string, TensorInfo>;
  metadata: Readonly<Record<string, string>> | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Validate the 8-byte prefix of a file of `fileLength` bytes and return N, the header length.
 * `prefix` holds the first min(8, fileLength) bytes.
 */
export function readHeaderLength(prefix: Uint8Array, fileLength: number, file: string): number {
  if (fileLength < 8 || prefix.length < 8) {
    const what = fileLength === 0 ? 'empty file' : 'file too short for the header length';
    throw new SafetensorsError(
      'HeaderTooSmall',
      file,
      `${what}: expected at least 8 bytes, got ${fileLength}`,
    );
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_SIZE)) {
    throw new SafetensorsError(
      'HeaderTooLarge',
      file,
      `header length too large: expected at most ${MAX_HEADER_SIZE} bytes, got ${n}`,
    );
  }
  const length = Number(n);
  if (8 + length > fileLength) {
    throw new SafetensorsError(
      'InvalidHeaderLength',
      file,
      `header length runs past the end of the file: expected at most ${fileLength - 8} bytes, got ${length}`,
    );
  }
  return length;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseMetadata(value: unknown, file: string): Record<string, string> | undefined {
  if (value === null) return undefined; // the crate reads `null` as "no metadata"
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SafetensorsError(
      'InvalidMetadata',
      file,
      `__metadata__: expected an object of strings, got ${describe(value)}`,
    );
  }
  const entries = Object.entries(value);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') {
      throw new SafetensorsError(
        'InvalidMetadata',
        file,
        `__metadata__[${JSON.stringify(k)}]: expected a string, got ${describe(v)}`,
      );
    }
  }
  // fromEntries defines own properties, so even a "__proto__" key stays a plain entry
  return Object.freeze(Object.fromEntries(entries) as Record<string, string>);
}

function parseEntry(name: string, value: unknown, file: string): TensorInfo {
  const fail = (
    message: string,
    code: 'InvalidHeaderDeserialization' | 'UnknownDtype' = 'InvalidHeaderDeserialization',
  ) => new SafetensorsError(code, file, message, { tensor: name });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(`expected an object with dtype, shape and data_offsets, got ${describe(value)}`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isDtype(dtype)) {
    throw fail(`unknown dtype: expected one of ${DTYPES.join(', ')}, got ${describe(dtype)}`, 'UnknownDtype');
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw fail(
      `shape: expected an array of non-negative integers, got ${JSON.stringify(shape) ?? 'nothing'}`,
    );
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    throw fail(
      `data_offsets: expected [begin, end] non-negative integers, got ${JSON.stringify(offsets) ?? 'nothing'}`,
    );
  }
  const size = tensorByteLength(dtype, shape);
  if (!size.ok) {
    throw new SafetensorsError(
      size.reason === 'overflow' ? 'ValidationOverflow' : 'MisalignedSlice',
      file,
      size.detail,
      {
        tensor: name,
      },
    );
  }
  const [begin, end] = offsets as [number, number];
  return {
    dtype,
    shape: [...shape],
    elements: size.elements,
    byteLength: size.bytes,
    dataOffsets: [begin, end],
  };
}

/**
 * Parse and validate the N header bytes of a file of `fileLength` bytes: JSON object, known dtypes, string
 * metadata, and tensor offsets that are contiguous, non-overlapping, sized as shape × dtype and cover the buffer.
 */
export function parseHeader(headerBytes: Uint8Array, fileLength: number, file: string): ParsedHeader {
  let text: string;
  try {
    text = utf8.decode(headerBytes);
  } catch (cause) {
    throw new SafetensorsError('InvalidHeader', file, 'header is not valid UTF-8', { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new SafetensorsError('InvalidHeaderDeserialization', file, `header is not valid JSON: ${detail}`, {
      cause,
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SafetensorsError(
      'InvalidHeaderDeserialization',
      file,
      `header: expected a JSON object, got ${describe(json)}`,
    );
  }

  let metadata: Record<string, string> | undefined;
  const entries: [string, TensorInfo][] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') metadata = parseMetadata(value, file);
    else entries.push([name, parseEntry(name, value, file)]);
  }

  // As the crate: order by (begin, end), then demand each tensor start where the previous one ended.
  entries.sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  const bufferLength = fileLength - 8 - headerBytes.length;
  let cursor = 0;
  let previous: string | undefined;
  for (const [name, info] of entries) {
    const [begin, end] = info.dataOffsets;
    const fail = (message: string) => new SafetensorsError('InvalidOffset', file, message, { tensor: name });
    if (end < begin) throw fail(`data_offsets [${begin}, ${end}]: expected end >= begin`);
    if (begin > cursor) {
      throw fail(
        `data_offsets leave a gap: expected the tensor to begin at byte ${cursor}, got ${begin} (bytes ${cursor}..${begin} belong to no tensor)`,
      );
    }
    if (begin < cursor) {
      throw fail(
        `data_offsets [${begin}, ${end}] overlap tensor ${JSON.stringify(previous)}, which ends at byte ${cursor}`,
      );
    }
    if (end > bufferLength) {
      throw fail(
        `data_offsets out of range: expected end <= ${bufferLength} (the byte buffer's length), got ${end}`,
      );
    }
    if (end - begin !== info.byteLength) {
      throw new SafetensorsError(
        'TensorInvalidInfo',
        file,
        `size mismatch: shape [${info.shape.join(', ')}] × ${info.dtype} needs ${info.byteLength} bytes, data_offsets [${begin}, ${end}] hold ${end - begin}`,
        { tensor: name },
      );
    }
    cursor = end;
    previous = name;
  }
  if (cursor !== bufferLength) {
    throw new SafetensorsError(
      'MetadataIncompleteBuffer',
      file,
      `tensors do not cover the byte buffer: expected them to end at byte ${bufferLength}, got ${cursor} (${bufferLength - cursor} trailing bytes)`,
    );
  }
  return {
    headerLength: headerBytes.length,
    names: entries.map(([name]) => name),
    tensors: new Map(entries),
    metadata,
  };
}
