// A quantized weight in the state-dict layout transformers + bitsandbytes save to safetensors
// (bitsandbytes QuantState.as_dict(packed=True) / QuantState.from_dict):
//   NAME (U8 [(n+1)/2, 1]), NAME.absmax, NAME.quant_map, NAME.nested_absmax, NAME.nested_quant_map,
//   NAME.quant_state.bitsandbytes__<nf4|fp4> (U8 bytes of a JSON object).
import type { QuantType } from './codebooks.js';
import { PyFloat, pythonJsonDumps } from '@lora/files';
import { NESTED_BLOCKSIZE, type QuantizedTensor, type StorageDtype, elementCount, validateBlocksize } from './quantize.js';

/** A tensor as safetensors stores it (structurally compatible with @lora/safetensors' records). */
export interface TensorRecord {
  dtype: 'U8' | 'F32';
  shape: number[];
  data: Uint8Array | Float32Array;
}

/** A bitsandbytes state dict that is incomplete or inconsistent (names the tensor). */
export class QuantStateError extends Error {
  override name = 'QuantStateError';
}

const STATE_PREFIX = 'quant_state.bitsandbytes__';

/** The tensors bitsandbytes writes for the weight named `name` (e.g. "model.layers.0.mlp.up_proj.weight"). */
export function quantizedToStateDict(name: string, q: QuantizedTensor): Record<string, TensorRecord> {
  const out: Record<string, TensorRecord> = {
    [name]: { dtype: 'U8', shape: [q.packed.length, 1], data: q.packed },
    [`${name}.quant_map`]: { dtype: 'F32', shape: [q.code.length], data: q.code },
  };
  const state: Record<string, unknown> = { quant_type: q.quantType, blocksize: q.blocksize, dtype: q.dtype, shape: q.shape };
  if (q.nested) {
    out[`${name}.absmax`] = { dtype: 'U8', shape: [q.nested.qabsmax.length], data: q.nested.qabsmax };
    out[`${name}.nested_absmax`] = { dtype: 'F32', shape: [q.nested.nestedAbsmax.length], data: q.nested.nestedAbsmax };
    out[`${name}.nested_quant_map`] = { dtype: 'F32', shape: [q.nested.nestedCode.length], data: q.nested.nestedCode };
    state.nested_blocksize = q.nested.nestedBlocksize;
    state.nested_dtype = 'float32';
    state.nested_offset = new PyFloat(q.nested.offset);
  } else if (q.absmax) {
    out[`${name}.absmax`] = { dtype: 'F32', shape: [q.absmax.length], data: q.absmax };
  }
  const json = new TextEncoder().encode(pythonJsonDumps(state));
  out[`${name}.${STATE_PREFIX}${q.quantType}`] = { dtype: 'U8', shape: [json.length], data: json };
  return out;
}

/** Whether `name` is a 4-bit weight in a state dict (its packed quant state is present). */
export function isQuantizedWeight(name: string, has: (key: string) => boolean): boolean {
  return has(`${name}.${STATE_PREFIX}nf4`) || has(`${name}.${STATE_PREFIX}fp4`);
}

/** The extra keys (besides `name`) that belong to a quantized weight, for callers that check for leftovers. */
export function isQuantStateKey(key: string): boolean {
  return /\.(absmax|quant_map|nested_absmax|nested_quant_map|quant_state\.bitsandbytes__(nf4|fp4))$/.test(key);
}

/**
 * Rebuild a QuantizedTensor for weight `name` from a state dict. `get` returns a tensor record or undefined;
 * `source` names the file in errors.
 */
export function quantizedFromStateDict(
  name: string,
  get: (key: string) => TensorRecord | undefined,
  source = 'state dict',
): QuantizedTensor {
  const need = (key: string, dtype: TensorRecord['dtype']): TensorRecord => {
    const t = get(key);
    if (!t) throw new QuantStateError(`${source}: expected tensor "${key}" for 4-bit weight "${name}", got none`);
    if (t.dtype !== dtype) throw new QuantStateError(`${source}: tensor "${key}" expected dtype ${dtype}, got ${t.dtype}`);
    return t;
  };
  const stateRecord = get(`${name}.${STATE_PREFIX}nf4`) ?? get(`${name}.${STATE_PREFIX}fp4`);
  if (!stateRecord) throw new QuantStateError(`${source}: expected "${name}.${STATE_PREFIX}nf4" (or fp4), got none`);
  const state = parseState(stateRecord, name, source);
  const packed = need(name, 'U8').data as Uint8Array;
  const n = state.shape.reduce((a, b) => a * b, 1);
  if (packed.length !== Math.ceil(n / 2)) {
    throw new QuantStateError(`${source}: "${name}" expected ${Math.ceil(n / 2)} packed bytes for shape [${state.shape}], got ${packed.length}`);
  }
  const code = need(`${name}.quant_map`, 'F32').data as Float32Array;
  if (code.length !== 16) throw new QuantStateError(`${source}: "${name}.quant_map" expected 16 values, got ${code.length}`);
  const blocks = Math.ceil(n / state.blocksize);
  const base = { quantType: state.quantType, blocksize: state.blocksize, shape: state.shape, dtype: state.dtype, packed, code };
  if (state.nestedOffset === undefined) {
    const absmax = need(`${name}.absmax`, 'F32').data as Float32Array;
    if (absmax.length !== blocks) throw new QuantStateError(`${source}: "${name}.absmax" expected ${blocks} values, got ${absmax.length}`);
    return { ...base, absmax };
  }
  const qabsmax = need(`${name}.absmax`, 'U8').data as Uint8Array;
  const nestedAbsmax = need(`${name}.nested_absmax`, 'F32').data as Float32Array;
  const nestedCode = need(`${name}.nested_quant_map`, 'F32').data as Float32Array;
  const nestedBlocks = Math.ceil(blocks / state.nestedBlocksize);
  if (qabsmax.length !== blocks) throw new QuantStateError(`${source}: "${name}.absmax" expected ${blocks} codes, got ${qabsmax.length}`);
  if (nestedAbsmax.length !== nestedBlocks) {
    throw new QuantStateError(`${source}: "${name}.nested_absmax" expected ${nestedBlocks} values, got ${nestedAbsmax.length}`);
  }
  if (nestedCode.length !== 256) throw new QuantStateError(`${source}: "${name}.nested_quant_map" expected 256 values, got ${nestedCode.length}`);
  return {
    ...base,
    nested: { qabsmax, nestedAbsmax, nestedCode, nestedBlocksize: state.nestedBlocksize, offset: state.nestedOffset },
  };
}

interface ParsedState {
  quantType: QuantType;
  blocksize: number;
  dtype: StorageDtype;
  shape: number[];
  nestedBlocksize: number;
  nestedOffset: number | undefined;
}

function parseState(record: TensorRecord, name: string, source: string): ParsedState {
  const where = `${source}: quant state of "${name}"`;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(new TextDecoder().decode(record.data as Uint8Array)) as Record<string, unknown>;
  } catch (cause) {
    throw new QuantStateError(`${where}: expected JSON, got ${(cause as Error).message}`, { cause });
  }
  const quantType = raw.quant_type;
  if (quantType !== 'nf4' && quantType !== 'fp4') throw new QuantStateError(`${where}: quant_type expected nf4 or fp4, got ${JSON.stringify(quantType)}`);
  const blocksize = raw.blocksize;
  if (typeof blocksize !== 'number') throw new QuantStateError(`${where}: blocksize expected a number, got ${JSON.stringify(blocksize)}`);
  validateBlocksize(blocksize, `${where}: blocksize`);
  const shape = raw.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new QuantStateError(`${where}: shape expected a list of positive integers, got ${JSON.stringify(shape)}`);
  }
  const dtype = String(raw.dtype ?? 'float32');
  if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'bfloat16') {
    throw new QuantStateError(`${where}: dtype expected float32, float16 or bfloat16, got ${JSON.stringify(raw.dtype)}`);
  }
  const offset = raw.nested_offset;
  if (offset !== undefined && typeof offset !== 'number') throw new QuantStateError(`${where}: nested_offset expected a number, got ${JSON.stringify(offset)}`);
  const nestedBlocksize = (raw.nested_blocksize as number | undefined) ?? NESTED_BLOCKSIZE;
  return { quantType, blocksize, dtype, shape: shape as number[], nestedBlocksize, nestedOffset: offset as number | undefined };
}

export { elementCount };
