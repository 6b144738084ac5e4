import { parseModelConfig } from '@lora/models';
import { describe, expect, test } from 'vitest';
import { estimateMemory, refuseUnfitModel, tabMemoryLimit, WASM32_BYTES } from './memory-estimate.js';
import { DEFAULT_SETTINGS } from './run-settings.js';

const GiB = 2 ** 30;

/** A Llama-2-7B-shaped config.json. */
const llama7b = parseModelConfig({
  model_type: 'llama',
  architectures: ['LlamaForCausalLM'],
  vocab_size: 32000,
  hidden_size: 4096,
  intermediate_size: 11008,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 32,
  max_position_embeddings: 4096,
});
const stories = parseModelConfig({
  model_type: 'llama',
  vocab_size: 512,
  hidden_size: 64,
  intermediate_size: 172,
  num_hidden_layers: 5,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  max_position_embeddings: 512,
});

describe('tabMemoryLimit', () => {
  test.each([
    [undefined, WASM32_BYTES, "a wasm32 memory's 4 GiB"],
    [16, WASM32_BYTES, "a wasm32 memory's 4 GiB"],
    [4, 2 * GiB, 'half of navigator.deviceMemory (4 GiB)'],
  ])('deviceMemory %s GiB → %d bytes', (device, bytes, source) => {
    expect(tabMemoryLimit(device)).toEqual({ bytes, source });
  });
});

describe('estimateMemory', () => {
  test('stories260K fits in a tab with room to spare', () => {
    const m = estimateMemory(stories, DEFAULT_SETTINGS, 96, 1_044_992, tabMemoryLimit(undefined));
    expect(m.fits).toBe(true);
    expect(m.total).toBeLessThan(256 * 2 ** 20);
    expect(m.line).toMatch(
      /^memory plan: [\d.]+ MiB at peak \([\d.]+ MiB for training — largest .*\), limit 4\.00 GiB/,
    );
  });

  test('a 7B model is refused before anything loads, saying what it needs and why', () => {
    const m = estimateMemory(llama7b, DEFAULT_SETTINGS, 96, 13.5 * GiB, tabMemoryLimit(undefined));
    expect(m.fits).toBe(false);
    expect(m.total).toBeGreaterThan(WASM32_BYTES);
    expect(m.refusal).toMatch(
      /^the run needs [\d.]+ GiB, above the 4\.00 GiB a tab may use \(a wasm32 memory's 4 GiB\); memory plan: needs [\d.]+ GiB, got 0 B available .*; largest parts: /,
    );
  });
});

describe('estimateMemory on a GPU backend: within its largest array', () => {
  const tab = tabMemoryLimit(undefined);
  const estimate = (bytes?: number) =>
    estimateMemory(
      stories,
      DEFAULT_SETTINGS,
      96,
      1_044_992,
      tab,
      bytes === undefined ? undefined : { bytes, backend: 'webgpu' },
    );

  test.each([
    [128 * 2 ** 20, "webgpu's largest array 128.0 MiB: every tensor fits whole"],
    [
      40_000, // 156 rows of 64 f32 (39,936 B) an array: 512 rows in 4 blocks
      "webgpu's largest array 39.1 KiB: model.embed_tokens.weight in 4 row blocks of 156 rows, lm_head.weight in 4 row blocks of 156 rows",
    ],
  ])('under %i B the line says which tables the run keeps in row blocks', (bytes, blocks) => {
    const m = estimate(bytes);
    expect(m.fits).toBe(true);
    expect(m.line).toBe(`${estimate().line}; ${blocks}`);
    expect(m.total).toBe(estimate().total);
  });

  test('a largest array below one row of the embedding is the refusal, naming the tensor and both sizes', () => {
    const m = estimate(255);
    expect(m.fits).toBe(false);
    expect(m.refusal).toBe(
      'webgpu\'s largest array: tensor "model.embed_tokens.weight" needs 256 bytes in one array, one row of 64 f32 (a tensor is split by whole rows), above the device\'s largest array of 255 bytes',
    );
    expect(m.line).toBe(estimate().line); // the plan without the limit, for its parts
  });

  test('a picked folder whose embedding rows do not fit the largest array is refused before it is read', () => {
    const config = JSON.stringify(stories.raw);
    const limit = tabMemoryLimit(undefined);
    expect(() =>
      refuseUnfitModel('stories/', config, 1e6, DEFAULT_SETTINGS, limit, { bytes: 255, backend: 'webgpu' }),
    ).toThrow(
      /^stories\/: refused before loading: webgpu's largest array: tensor "model\.embed_tokens\.weight" needs 256 bytes/,
    );
    expect(() =>
      refuseUnfitModel('stories/', config, 1e6, DEFAULT_SETTINGS, limit, {
        bytes: 40_000,
        backend: 'webgpu',
      }),
    ).not.toThrow();
  });
});

describe('refuseUnfitModel', () => {
  test('a picked 7B folder is refused from its config.json and file sizes, before any weight is read', () => {
    const config = JSON.stringify(llama7b.raw);
    expect(() =>
      refuseUnfitModel('llama-7b/', config, 13.5 * GiB, DEFAULT_SETTINGS, tabMemoryLimit(undefined)),
    ).toThrow(
      /^llama-7b\/: refused before loading: the run needs [\d.]+ GiB, above the 4\.00 GiB a tab may use/,
    );
    expect(() =>
      refuseUnfitModel(
        'stories/',
        JSON.stringify(stories.raw),
        1e6,
        DEFAULT_SETTINGS,
        tabMemoryLimit(undefined),
      ),
    ).not.toThrow();
  });

  test('a config.json that is not one is refused by name', () => {
    expect(() =>
      refuseUnfitModel('m/', '{"model_type": "llama"}', 0, DEFAULT_SETTINGS, tabMemoryLimit(undefined)),
    ).toThrow(/^m\/config\.json: /);
  });
});
