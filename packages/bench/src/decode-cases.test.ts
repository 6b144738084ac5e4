import { parseModelConfig, tensorSpecs } from '@lora/models';
import { describe, expect, test } from 'vitest';
import { QWEN25_05B_CONFIG, QWEN25_15B_CONFIG } from './bench-models.js';
import { decodeCase, parseDecodeShapes, withLayers } from './decode-cases.js';
import { SMALL_MODEL_OVERRIDES } from './lora-step.js';

const linearsOf = (config: ReturnType<typeof parseModelConfig>) =>
  tensorSpecs(config).filter((s) => s.role === 'linear' && s.kind === 'weight');

describe('decodeCase', () => {
  test('the 0.5B shape: its config with fewer layers and the full vocabulary', () => {
    const c = decodeCase('qwen2.5-0.5b', false, 8, QWEN25_05B_CONFIG);
    const config = parseModelConfig(c.config);
    expect([config.numLayers, config.hiddenSize, config.vocabSize, c.layers, c.totalLayers]).toEqual([
      8, 896, 151936, 8, 24,
    ]);
    expect(linearsOf(config).length).toBe(8 * 7); // q, k, v, o, gate, up, down per layer: what NF4 quantizes
    expect(decodeCase('qwen2.5-0.5b', true, 24, QWEN25_05B_CONFIG).newTokens).toBeLessThan(c.newTokens);
  });

  test('the 1.5B shape: 8 of its 28 layers, hidden 1,536, the full vocabulary', () => {
    const c = decodeCase('qwen2.5-1.5b', false, 8, QWEN25_15B_CONFIG);
    const config = parseModelConfig(c.config);
    expect([config.numLayers, config.hiddenSize, config.intermediateSize, config.vocabSize]).toEqual([
      8, 1536, 8960, 151936,
    ]);
    expect([c.layers, c.totalLayers]).toEqual([8, 28]);
  });

  test("the small model is the LoRA-step table's: all 4 layers whatever `layers` says, vocabulary 2,000", () => {
    const c = decodeCase('small', true, 20, SMALL_MODEL_OVERRIDES);
    const config = parseModelConfig(c.config);
    expect([config.numLayers, config.hiddenSize, config.vocabSize, c.layers, c.totalLayers]).toEqual([
      4, 512, 2000, 4, 4,
    ]);
    expect(c.newTokens).toBe(2 * decodeCase('qwen2.5-0.5b', true, 8, QWEN25_05B_CONFIG).newTokens);
  });

  test.each([0, 25, 2.5, Number.NaN])('0.5B layers %s is refused, naming the range', (layers) => {
    expect(() => decodeCase('qwen2.5-0.5b', false, layers, QWEN25_05B_CONFIG)).toThrow(
      `decode bench: qwen2.5-0.5b layers expected an integer from 1 to 24, got ${layers}`,
    );
  });

  test('the 1.5B shape takes up to its 28 layers', () => {
    expect(decodeCase('qwen2.5-1.5b', true, 28, QWEN25_15B_CONFIG).layers).toBe(28);
    expect(() => decodeCase('qwen2.5-1.5b', true, 29, QWEN25_15B_CONFIG)).toThrow(
      'decode bench: qwen2.5-1.5b layers expected an integer from 1 to 28, got 29',
    );
  });
});

test('withLayers cuts layer_types (transformers 5 configs list one per layer) to the layers kept', () => {
  const full = { ...QWEN25_15B_CONFIG, layer_types: Array.from({ length: 28 }, () => 'full_attention') };
  const cut = withLayers(full, 3);
  expect([cut.num_hidden_layers, cut.layer_types]).toEqual([
    3,
    ['full_attention', 'full_attention', 'full_attention'],
  ]);
  expect(parseModelConfig(cut).numLayers).toBe(3); // a 28-entry list with 3 layers would be refused
  expect('layer_types' in withLayers(QWEN25_05B_CONFIG, 3)).toBe(false);
});

describe('parseDecodeShapes', () => {
  test.each([
    ['qwen2.5-1.5b,small', ['small', 'qwen2.5-1.5b']],
    ['qwen2.5-0.5b', ['qwen2.5-0.5b']],
    [' small , qwen2.5-0.5b ', ['small', 'qwen2.5-0.5b']],
  ])('%s → table order %j', (text, shapes) => {
    expect(parseDecodeShapes(text)).toEqual(shapes);
  });

  test('an unknown shape is refused, naming the known ones', () => {
    expect(() => parseDecodeShapes('small,qwen2.5-7b')).toThrow(
      'decode bench: --decode-shapes expected some of small, qwen2.5-0.5b, qwen2.5-1.5b, got "qwen2.5-7b"',
    );
  });
});
