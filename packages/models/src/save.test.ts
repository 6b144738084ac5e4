import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LinearModule } from '@lora/core';
import { SafetensorsFile, openCheckpoint } from '@lora/safetensors';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tensorSpecs } from './architectures/index.js';
import { CausalLM } from './causal-lm.js';
import { ARCHS } from './test-support.test-support.js';
import { writeTinyCheckpoint } from './tiny-checkpoint.js';

let root: string;
let n = 0;
const fresh = () => join(root, `s${n++}`);
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lora-models-save-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const ids = Int32Array.from([9, 8, 7, 6, 5, 4]);

describe.each(ARCHS)('%s: exportWeights and save', (arch) => {
  test('exportWeights gives back the checkpoint tensors exactly, in their stored names and layouts', async () => {
    const { dir } = await writeTinyCheckpoint(fresh(), arch, { seed: 21 });
    const model = await CausalLM.load(dir);
    const exported = await model.exportWeights();
    const file = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    expect([...exported.keys()].sort()).toEqual(file.tensorNames().sort());
    expect([...exported.keys()]).toEqual(tensorSpecs(model.config).map((s) => s.name));
    for (const [name, t] of exported) {
      expect(t.shape, name).toEqual(file.info(name).shape);
      expect(Array.from(t.data), name).toEqual(Array.from(await file.readF32(name)));
    }
    await file.close();
  });

  test('save → load reproduces the model; bf16 saves round the weights; the config keeps its keys', async () => {
    const { dir, config } = await writeTinyCheckpoint(fresh(), arch, { seed: 22 });
    const model = await CausalLM.load(dir);
    const out = fresh();
    await model.save(out);
    expect((await readdir(out)).sort()).toEqual(['config.json', 'model.safetensors']);
    const saved = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(saved).toEqual({ ...config, torch_dtype: 'float32' });
    expect(Array.from(await (await CausalLM.load(out)).logits(ids, 1, 6))).toEqual(
      Array.from(await model.logits(ids, 1, 6)),
    );
    const bf16 = fresh();
    await model.save(bf16, { dtype: 'bfloat16', maxShardBytes: 30_000 });
    const ckpt = await openCheckpoint(bf16);
    expect(ckpt.indexPath).toBeDefined();
    expect(ckpt.tensorNames().every((name) => ckpt.info(name).dtype === 'BF16')).toBe(true);
    await ckpt.close();
    expect(JSON.parse(await readFile(join(bf16, 'config.json'), 'utf8')).torch_dtype).toBe('bfloat16');
  });
});

describe('exportWeights merges what the linears compute', () => {
  test('a replaced linear exports its denseWeight(); a 4-bit model saves as a dense checkpoint without quantization_config', async () => {
    const { dir } = await writeTinyCheckpoint(fresh(), 'gpt2', {
      seed: 23,
      quantize: { quantType: 'nf4', doubleQuant: false },
    });
    const model = await CausalLM.load(dir);
    const name = 'transformer.h.0.attn.c_attn';
    const base = model.linearModules().get(name)!;
    const merged = Float32Array.from({ length: base.outFeatures * base.inFeatures }, (_, i) => i); // (out, in)
    const adapter: LinearModule = {
      inFeatures: base.inFeatures,
      outFeatures: base.outFeatures,
      forward: (x, rows, ctx) => base.forward(x, rows, ctx),
      backward: (dy, cache, acc) => base.backward(dy, cache, acc),
      parameters: () => base.parameters(),
      denseWeight: () => ({
        weight: merged,
        bias: Float32Array.from({ length: base.outFeatures }, () => 0.5),
      }),
    };
    model.replaceLinear(name, adapter);
    const w = (await model.exportWeights()).get(`${name}.weight`)!;
    expect(w.shape).toEqual([32, 96]); // Conv1D [in, out]
    expect(w.data[1 * 96 + 2]).toBe(merged[2 * 32 + 1]); // [in 1, out 2] = (out 2, in 1)
    const out = fresh();
    await model.save(out);
    const saved = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(saved.quantization_config).toBeUndefined();
    const reloaded = await CausalLM.load(out);
    expect(Array.from((await reloaded.exportWeights()).get(`${name}.bias`)!.data)).toEqual(
      new Array(96).fill(0.5),
    );
  });
});
