// lora quantize writes a bitsandbytes 4-bit checkpoint: linears in quant-nf4's state-dict layout (Conv1D as
// (out, in)), every other tensor byte-identical, quantization_config in config.json; it loads back as the same
// model that quantizing at load time gives.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CausalLM } from '@lora/models';
import { bnbQuantizationConfig } from '@lora/quant-nf4';
import { openCheckpoint } from '@lora/safetensors';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { runCli } from '../test-support/capture-io.js';
import { writeTinyModel } from '../test-support/tiny-models.js';

describe.each(['llama', 'gpt2'] as const)('lora quantize on a tiny %s checkpoint', (architecture) => {
  const root = tempDir(`lora-cli-quantize-${architecture}-`);

  test('writes a bitsandbytes NF4 + double quant folder that loads as the quantized model', async () => {
    await writeTinyModel(join(root, 'model'), architecture);
    const r = await runCli(
      [
        'quantize',
        '--model',
        'model',
        '--output',
        'q',
        '--double-quant',
        '--quant-type',
        'nf4',
        '--block-size',
        '64',
      ],
      root,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/quantized \d+ linear weights to NF4 \+ double quant/);
    const config = JSON.parse(readFileSync(join(root, 'q', 'config.json'), 'utf8'));
    expect(config.quantization_config).toEqual(
      JSON.parse(
        JSON.stringify(
          bnbQuantizationConfig({
            quantType: 'nf4',
            doubleQuant: true,
            computeDtype: 'float32',
            skipModules: null,
          }),
        ),
      ),
    );
    expect(readFileSync(join(root, 'q', 'tokenizer.json'), 'utf8')).toBe(
      readFileSync(join(root, 'model', 'tokenizer.json'), 'utf8'),
    );

    const source = await openCheckpoint(join(root, 'model'));
    const quantized = await openCheckpoint(join(root, 'q'));
    const dense = await CausalLM.load(join(root, 'model'));
    const linearWeights = [...dense.linearModules().keys()]
      .filter((n) => n !== 'lm_head')
      .map((n) => `${n}.weight`);
    for (const name of source.tensorNames()) {
      const module = linearWeights.find((w) => w === name || w === `transformer.${name}`);
      if (module) {
        expect(quantized.info(name).dtype, name).toBe('U8');
        expect(quantized.has(`${name}.absmax`), `${name}.absmax`).toBe(true);
        expect(quantized.has(`${name}.quant_state.bitsandbytes__nf4`), `${name} quant_state`).toBe(true);
      } else {
        expect(
          Buffer.from(await quantized.readRaw(name)).equals(Buffer.from(await source.readRaw(name))),
          name,
        ).toBe(true);
      }
    }
    await source.close();
    await quantized.close();

    const ids = Int32Array.from([3, 17, 42, 5, 9, 11]);
    const loaded = await CausalLM.load(join(root, 'q'));
    const onLoad = await CausalLM.load(join(root, 'model'), {
      quantize: { quantType: 'nf4', doubleQuant: true },
    });
    const expected = await onLoad.logits(ids, 1, ids.length);
    expectClose(
      await loaded.logits(ids, 1, ids.length),
      expected,
      { rtol: 1e-6, atol: 1e-6 },
      'logits of the written 4-bit checkpoint',
    );
    const diff = (await dense.logits(ids, 1, ids.length)).reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
    expect(diff, 'quantization changed the model').toBeGreaterThan(0);
  });

  test('a block size bitsandbytes does not have is a one-line error', async () => {
    const r = await runCli(['quantize', '--model', 'model', '--output', 'q2', '--block-size', '100'], root);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toBe('lora: --block-size: expected a power of two in [32, 4096], got "100"\n');
  });
});
