// PiSSA and OLoRA on real tiny models (@lora/models' writeTinyCheckpoint + CausalLM.load), dense and 4-bit: step 0
// computes the base model, and a trained adapter saved with convertToLora reproduces itself on the original base.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Nf4Linear } from '@lora/quant-nf4';
import { CausalLM, writeTinyCheckpoint } from '@lora/models';
import { expectClose, hostF32, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loraConfig } from './config.js';
import { injectLora } from './lora-model.js';
import { mergeAndUnload } from './merge.js';
import { loadAdapter, saveAdapter } from './save-load.js';

const ARCHS = ['llama', 'gpt2'] as const;
let root: string;
const dirs = new Map<string, string>();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'peft-base-init-'));
  for (const arch of ARCHS)
    dirs.set(arch, (await writeTinyCheckpoint(join(root, arch), arch, { seed: 3 })).dir);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const ids = Int32Array.from([5, 17, 42, 9, 88, 3, 61, 20, 7, 33, 101, 2]);
const logits = async (m: CausalLM) => hostF32(await m.logits(ids, 2, 6));
const targets = (arch: string) => (arch === 'gpt2' ? ['c_attn', 'c_fc'] : ['q_proj', 'v_proj', 'down_proj']);

describe.each(ARCHS)('%s tiny CausalLM', (arch) => {
  test.each(['pissa', 'pissa_niter_2', 'olora'] as const)(
    '%s: step 0 computes the base; trained and saved with convertToLora, it reproduces itself on the original base',
    async (init) => {
      const model = await CausalLM.load(dirs.get(arch)!);
      const before = await logits(model);
      const lm = injectLora(
        model,
        loraConfig({ r: 4, lora_alpha: 8, target_modules: targets(arch), init_lora_weights: init }),
      );
      expectClose(await logits(model), before, { rtol: 0, atol: 1e-4 }, 'step 0');
      const rng = makeRng(5);
      for (const layer of lm.layers.values())
        for (const p of [layer.loraA, layer.loraB]) {
          const data = hostF32(p.data);
          for (let k = 0; k < data.length; k++) data[k]! += 0.05 * (2 * rng.next() - 1);
        }
      const trained = await logits(model);
      const out = join(root, `${arch}-${init}`);
      await saveAdapter(out, lm, { convertToLora: true });
      const fresh = await CausalLM.load(dirs.get(arch)!);
      await loadAdapter(out, fresh);
      expectClose(await logits(fresh), trained, { rtol: 0, atol: 1e-4 }, 'converted on the original base');
    },
  );

  test('on a 4-bit model the bases are re-quantized and step 0 moves by about one 4-bit rounding', async () => {
    const quantize = { quantType: 'nf4', doubleQuant: true } as const;
    const model = await CausalLM.load(dirs.get(arch)!, { quantize });
    const before = await logits(model);
    const lm = injectLora(
      model,
      loraConfig({ r: 4, lora_alpha: 8, target_modules: targets(arch), init_lora_weights: 'pissa' }),
    );
    const layer = [...lm.layers.values()][0]!;
    expect(layer.base).toBeInstanceOf(Nf4Linear);
    expect(model.linearModules().get(layer.name)).toBe(layer);
    const dense = await logits(await CausalLM.load(dirs.get(arch)!));
    const quantError = Math.max(...before.map((v, k) => Math.abs(v - dense[k]!)));
    const now = await logits(model);
    // re-quantizing W − s·BA adds one more 4-bit rounding, of a residual no larger than W: the shift it makes is of
    // the order of the original quantization's (random tiny weights have no dominant directions to take out)
    expect(Math.max(...now.map((v, k) => Math.abs(v - before[k]!)))).toBeLessThan(2 * quantError);
  });
});

test('mergeAndUnload after OLoRA on a 4-bit model: merged into the rewritten base, compared with the original at step 0', async () => {
  const quantize = { quantType: 'nf4', doubleQuant: true } as const;
  const model = await CausalLM.load(dirs.get('llama')!, { quantize });
  const lm = injectLora(
    model,
    loraConfig({ r: 4, lora_alpha: 8, target_modules: ['q_proj'], init_lora_weights: 'olora' }),
  );
  const before = await logits(model);
  const dense = await CausalLM.load(dirs.get('llama')!);
  const original = (name: string) => hostF32(dense.linearModules().get(name)!.denseWeight!().weight);
  const { modules } = await mergeAndUnload(lm, { original });
  expectClose(await logits(model), before, { rtol: 0, atol: 1e-4 }, 'merged');
  // the base at step 0 is 4-bit W_res plus s·B₀A₀: about one 4-bit rounding from the original, as a plain QLoRA base is
  const plain = injectLora(
    await CausalLM.load(dirs.get('llama')!, { quantize }),
    loraConfig({ r: 4, target_modules: ['q_proj'] }),
  );
  const rounding = Math.max(
    ...(await mergeAndUnload(plain, { original })).modules.map((m) => m.maxAbsDiffFromOriginal!),
  );
  const sBA = Math.max(
    ...[...lm.layers.values()].map((l) => Math.max(...hostF32(l.deltaWeight()).map(Math.abs))),
  );
  expect(sBA).toBeGreaterThan(4 * rounding); // so a comparison that left s·B₀A₀ out would fail below
  for (const m of modules) expect(m.maxAbsDiffFromOriginal!).toBeLessThan(2 * rounding);
});
