import { parseModelConfig, tensorSpecs } from '@lora/models';
import { expect, test } from 'vitest';
import { decodeCase } from './decode-bench.js';
import { QWEN25_05B_CONFIG } from './models-bench.js';

test('the decode case is the Qwen2.5-0.5B config with fewer layers and the full vocabulary', () => {
  const c = decodeCase(false, 8, QWEN25_05B_CONFIG);
  const config = parseModelConfig(c.config);
  expect([config.numLayers, config.hiddenSize, config.vocabSize, c.layers]).toEqual([8, 896, 151936, 8]);
  const linears = tensorSpecs(config).filter((s) => s.role === 'linear' && s.kind === 'weight');
  expect(linears.length).toBe(8 * 7); // q, k, v, o, gate, up, down per layer: what NF4 quantizes
  expect(decodeCase(true, 24, QWEN25_05B_CONFIG).newTokens).toBeLessThan(c.newTokens);
});

test.each([0, 25, 2.5, Number.NaN])('layers %s is refused, naming the range', (layers) => {
  expect(() => decodeCase(false, layers, QWEN25_05B_CONFIG)).toThrow(
    `decode bench: layers expected an integer from 1 to 24, got ${layers}`,
  );
});
