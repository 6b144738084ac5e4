import { describe, expect, test } from 'vitest';
import { loadGolden, hashedWeights } from './golden-inputs.test-support.js';
import { dequantize4bit, quantize4bit } from './quantize.js';
import { QuantStateError, type TensorRecord, quantizedFromStateDict, quantizedToStateDict } from './state-dict.js';

const golden = loadGolden();

describe('state dict in bitsandbytes layout', () => {
  test.each(golden.cases)('$name: quant state JSON bytes equal json.dumps of QuantState.as_dict', (c) => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const q = quantize4bit(hashedWeights(n, c.seed, c.scale), c.shape, {
      quantType: c.quant_type,
      blocksize: c.blocksize,
      doubleQuant: c.nested,
    });
    const dict = quantizedToStateDict('model.layers.0.mlp.up_proj.weight', q);
    const key = `model.layers.0.mlp.up_proj.weight.quant_state.bitsandbytes__${c.quant_type}`;
    expect(new TextDecoder().decode(dict[key]!.data as Uint8Array)).toBe(c.quant_state_json);
    expect(dict['model.layers.0.mlp.up_proj.weight']!.shape).toEqual([Math.ceil(n / 2), 1]);
    const names = Object.keys(dict).map((k) => k.replace('model.layers.0.mlp.up_proj.weight', 'W')).sort();
    expect(names).toEqual(
      c.nested
        ? ['W', 'W.absmax', 'W.nested_absmax', 'W.nested_quant_map', 'W.quant_map', `W.quant_state.bitsandbytes__${c.quant_type}`]
        : ['W', 'W.absmax', 'W.quant_map', `W.quant_state.bitsandbytes__${c.quant_type}`],
    );
    const back = quantizedFromStateDict('model.layers.0.mlp.up_proj.weight', (k) => dict[k]);
    expect(Array.from(dequantize4bit(back))).toEqual(Array.from(dequantize4bit(q)));
  });

  test('a missing tensor is named', () => {
    const q = quantize4bit(hashedWeights(256, 1, 1), [4, 64], { doubleQuant: true });
    const dict: Record<string, TensorRecord> = quantizedToStateDict('w', q);
    delete dict['w.nested_absmax'];
    expect(() => quantizedFromStateDict('w', (k) => dict[k], 'model.safetensors')).toThrow(
      'model.safetensors: expected tensor "w.nested_absmax" for 4-bit weight "w", got none',
    );
  });

  test('a packed size that does not fit the shape is refused', () => {
    const q = quantize4bit(hashedWeights(256, 1, 1), [4, 64]);
    const dict = quantizedToStateDict('w', q);
    dict.w = { dtype: 'U8', shape: [100, 1], data: new Uint8Array(100) };
    expect(() => quantizedFromStateDict('w', (k) => dict[k])).toThrow(QuantStateError);
    expect(() => quantizedFromStateDict('w', (k) => dict[k])).toThrow(/expected 128 packed bytes/);
  });
});
