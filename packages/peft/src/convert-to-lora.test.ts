import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectClose, hostF32, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type LoraConfig, loraConfig } from './config.js';
import { convertToLora } from './convert-to-lora.js';
import { LoraConfigError } from './errors.js';
import { injectLora } from './lora-model.js';
import { saveMlxAdapter } from './mlx.js';
import { loadAdapter, saveAdapter } from './save-load.js';
import { randomWeights } from './toy-linears.test-support.js';
import { ToyModel } from './toy-model.test-support.js';

const dims = { layers: 2, hidden: 8, ffn: 12, vocab: 10 };
const x = randomWeights(5 * dims.hidden, makeRng(7).next, 2);
const logits = (m: ToyModel) => hostF32(m.forward(x, 5, { training: false }).logits);
let dir: string;

function toy(): ToyModel {
  const rng = makeRng(1);
  return new ToyModel('llama', dims, (_n, out, inF, bias) => ({
    weight: randomWeights(out * inF, rng.next, 0.5),
    ...(bias ? { bias: randomWeights(out, rng.next, 0.2) } : {}),
  }));
}

const config = (extra: Partial<LoraConfig>) =>
  loraConfig({ r: 2, lora_alpha: 4, target_modules: ['q_proj', 'down_proj'], ...extra });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peft-convert-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('PiSSA/OLoRA saved as a plain LoRA on the original base (PEFT path_initial_model_for_weight_conversion)', () => {
  test.each([
    ['pissa', false],
    ['pissa_niter_2', true],
    ['olora', false],
  ] as const)(
    '%s (rsLoRA %s): the converted adapter on the original base computes what training left',
    async (init, rslora) => {
      const original = logits(toy());
      const model = toy();
      const lm = injectLora(
        model,
        config({ init_lora_weights: init, use_rslora: rslora, rank_pattern: { q_proj: 3 } }),
      );
      expectClose(logits(model), original, { rtol: 0, atol: 2e-5 }, 'step 0 computes the original model');
      const rng = makeRng(11);
      for (const layer of lm.layers.values())
        for (const p of [layer.loraA, layer.loraB]) {
          const data = hostF32(p.data);
          for (let k = 0; k < data.length; k++) data[k]! += 0.05 * (2 * rng.next() - 1); // "trained"
        }
      const trained = logits(model);
      const out = join(dir, `${init}-${rslora}`);
      await saveAdapter(out, lm, { convertToLora: true });
      const saved = JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8'));
      expect(saved).toMatchObject({ init_lora_weights: true, r: 4, rank_pattern: { q_proj: 6 } });
      expect(saved.lora_alpha).toBeCloseTo(rslora ? 4 * Math.SQRT2 : 8, 12);
      const fresh = toy();
      const loaded = await loadAdapter(out, fresh);
      expect(loaded.layers.get('model.layers.0.self_attn.q_proj')!.r).toBe(6);
      expectClose(logits(fresh), trained, { rtol: 0, atol: 2e-5 }, 'converted adapter on the original base');
    },
  );

  test('saved without conversion it says its init, and loading it on a base is refused with the reason', async () => {
    const lm = injectLora(toy(), config({ init_lora_weights: 'olora' }));
    const out = join(dir, 'unconverted');
    await saveAdapter(out, lm);
    expect(JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8')).init_lora_weights).toBe(
      'olora',
    );
    await expect(loadAdapter(out, toy())).rejects.toThrowError('needs the residual base it was trained on');
  });

  test('mlx-lm has no residual base: saveMlxAdapter refuses a PiSSA/OLoRA adapter and names the conversion', async () => {
    const lm = injectLora(toy(), config({ init_lora_weights: 'pissa' }));
    await expect(saveMlxAdapter(join(dir, 'mlx'), lm)).rejects.toThrowError(
      'init_lora_weights expected an adapter of the original base (mlx-lm has no residual base), got "pissa"',
    );
  });

  test('an adapter not initialised from its base, or with DoRA, is refused by name', async () => {
    await expect(convertToLora(injectLora(toy(), config({})))).rejects.toThrowError(
      'convertToLora: init_lora_weights expected "pissa", "pissa_niter_<K>" or "olora", got true',
    );
    await expect(
      convertToLora(injectLora(toy(), config({ init_lora_weights: 'pissa', use_dora: true }))),
    ).rejects.toThrowError(LoraConfigError);
  });
});
