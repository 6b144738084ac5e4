// The safetensors dtypes, in the Rust crate's `Dtype` order (increasing alignment), which also orders written files.

/** Every dtype the safetensors format defines. */
export const DTYPES = [
  'BOOL',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'C64',
  'F64',
  'I64',
  'U64',
] as const;

/** A safetensors dtype name. */
export type SafetensorsDtype = (typeof DTYPES)[number];

const BITS: Record<SafetensorsDtype, number> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

const RANK = new Map<string, number>(DTYPES.map((d, i) => [d, i]));

/** Whether `s` is a safetensors dtype name. */
export function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && RANK.has(s);
}

/** Bits per element (4 and 6 for the packed MX types). */
export function dtypeBits(dtype: SafetensorsDtype): number {
  return BITS[dtype];
}

/** Position in the crate's enum: writers order tensors by descending rank, then by name. */
export function dtypeRank(dtype: SafetensorsDtype): number {
  return RANK.get(dtype)!;
}

export type ByteLengthResult =
  | { ok: true; elements: number; bytes: number }
  | { ok: false; reason: 'overflow' | 'misaligned'; detail: string };

/** Elements and bytes of a tensor, checked like the crate: no overflow, whole bytes for sub-byte dtypes. */
export function tensorByteLength(dtype: SafetensorsDtype, shape: readonly number[]): ByteLengthResult {
  let elements = 1;
  for (const d of shape) {
    elements *= d;
    if (elements > Number.MAX_SAFE_INTEGER) {
      return {
        ok: false,
        reason: 'overflow',
        detail: `shape [${shape.join(', ')}] has more than 2^53 - 1 elements`,
      };
    }
  }
  const bits = elements * BITS[dtype];
  if (bits > Number.MAX_SAFE_INTEGER) {
    return {
      ok: false,
      reason: 'overflow',
      detail: `shape [${shape.join(', ')}] × ${dtype} overflows 2^53 - 1 bits`,
    };
  }
  if (bits % 8 !== 0) {
    return {
      ok: false,
      reason: 'misaligned',
      detail: `${elements} elements of ${BITS[dtype]}-bit ${dtype} do not fill whole bytes`,
    };
  }
  return { ok: true, elements, bytes: bits / 8 };
}
