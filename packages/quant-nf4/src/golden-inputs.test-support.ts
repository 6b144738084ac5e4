// Reads fixtures/bnb-golden.json and recomputes its hashed inputs exactly (same integer hash as make_golden.py).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface GoldenCase {
  name: string;
  shape: number[];
  blocksize: number;
  quant_type: 'nf4' | 'fp4';
  seed: number;
  scale: number;
  nested: boolean;
  packed_u8_b64: string;
  absmax_f32_b64: string;
  offset?: number;
  qabsmax_u8_b64?: string;
  nested_absmax_f32_b64?: string;
  restored_absmax_f32_b64?: string;
  dequant_f32_b64: string;
  quant_state_json: string;
}

export interface Golden {
  nf4_code: number[];
  fp4_code: number[];
  dynamic_map: number[];
  cases: GoldenCase[];
}

export function loadGolden(): Golden {
  const path = fileURLToPath(new URL('../fixtures/bnb-golden.json', import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as Golden;
}

export function u8(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

export function f32(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The generator's inputs: integer hash → value in [-scale, scale], ×8 every 97th element, rounded to f32. */
export function hashedWeights(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let h = (Math.imul(i, 2654435761 | 0) + Math.imul(seed, 40503)) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 1274126177) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    let v = (((h % 20001) - 10000) / 10000) * scale;
    if (i % 97 === 0) v *= 8;
    out[i] = v;
  }
  return out;
}
