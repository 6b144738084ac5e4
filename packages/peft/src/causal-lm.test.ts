// LoRA on real tiny models of every architecture (@lora/models' writeTinyCheckpoint + CausalLM.load).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gradcheck, kernel, uniformStream } from '@lora/core';
import { CausalLM, STEP_STATS, type TokenBatch, writeTinyCheckpoint } from '@lora/models';
import { expectClose, hostF64 } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loraConfig } from './config.js';
import { injectLora } from './lora-model.js';
import { mergeAndUnload } from './merge.js';
import { adapterStateDict, loadAdapter, saveAdapter } from './save-load.js';
import { toF64 } from './toy-linears.test-support.js';

const ARCHS = ['llama', 'qwen2', 'gpt2', 'gemma'] as const;
type Arch = (typeof ARCHS)[number];
let root: string;
const checkpoints = new Map<Arch, string>();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'peft-causal-lm-'));
  for (const arch of ARCHS)
    checkpoints.set(arch, (await writeTinyCheckpoint(join(root, arch), arch, { seed: 3 })).dir);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const ids = Int32Array.from([5, 17, 42, 9, 88, 3, 61, 20, 7, 33, 101, 2]);
const batch: TokenBatch = {
  inputIds: ids,
  labels: Int32Array.from(ids, (v, i) => (i % 6 === 0 ? -100 : v)),
  batch: 2,
  seqLen: 6,
};
const logits = (m: CausalLM) => m.logits(ids, 2, 6);
const targets = (arch: Arch) => (arch === 'gpt2' ? ['c_attn', 'c_fc'] : ['q_proj', 'v_proj', 'down_proj']);

describe.each(ARCHS)('%s tiny CausalLM', (arch) => {
  test("a new adapter (B = 0) leaves the logits bit for bit; parameters carry PEFT's names", async () => {
    const model = await CausalLM.load(checkpoints.get(arch)!);
    const before = await logits(model);
    const lm = injectLora(model, loraConfig({ r: 4, lora_alpha: 8, target_modules: targets(arch) }));
    expect(await logits(model)).toEqual(before);
    const prefix =
      arch === 'gpt2'
        ? 'base_model.model.transformer.h.0.attn.c_attn'
        : 'base_model.model.model.layers.0.self_attn.q_proj';
    expect(adapterStateDict(lm).get(`${prefix}.lora_A.weight`)!.shape).toEqual([4, 32]);
    expect(
      model
        .parameters()
        .filter((p) => p.trainable)
        .every((p) => p.name.includes('.lora_')),
    ).toBe(true);
  });

  test('SGD on the adapter alone lowers the loss; save → load into a fresh model reproduces the logits', async () => {
    const model = await CausalLM.load(checkpoints.get(arch)!);
    const lm = injectLora(
      model,
      loraConfig({ r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: targets(arch) }),
      { seed: 1 },
    );
    const rng = uniformStream(2);
    const losses: number[] = [];
    for (let step = 0; step < 6; step++) {
      for (const p of lm.trainableParameters()) kernel('fill')({ x: p.grad!, n: p.grad!.length, value: 0 });
      const r = await model.step(batch, { training: true, backward: true, lossScale: 1 / 10, rng });
      losses.push(r.lossSum / r.tokens);
      for (const p of lm.trainableParameters())
        kernel('axpy')({ x: p.grad!, y: p.data, n: p.data.length, alpha: -0.5 }); // θ −= 0.5 · ∇θ
    }
    expect(losses[5]!).toBeLessThan(losses[0]! - 0.01);
    const dir = join(root, `${arch}-adapter`);
    await saveAdapter(dir, lm, { baseModelNameOrPath: `tiny-${arch}` });
    const fresh = await CausalLM.load(checkpoints.get(arch)!);
    await loadAdapter(dir, fresh);
    expect(await logits(fresh)).toEqual(await logits(model));
  });
});

test('float64 llama: the LoRA gradients of the whole model match central differences', async () => {
  const model = await CausalLM.load(checkpoints.get('llama')!);
  const lm = injectLora(
    model,
    loraConfig({
      r: 2,
      lora_alpha: 4,
      target_modules: ['layers.1.self_attn.v_proj'],
      init_lora_weights: false,
    }),
    { seed: 5 },
  );
  for (const p of lm.parameters()) toF64(p);
  const layer = lm.layers.get('model.layers.1.self_attn.v_proj')!;
  /** Σ token loss, computed synchronously (gradcheck's loss is a plain function): stepInto into host stats */
  const lossSum = (backward: boolean) => {
    const stats = new Float64Array(STEP_STATS);
    model.stepInto(batch, { training: false, backward }, stats);
    return stats[0]!;
  };
  lossSum(true); // the gradients under test
  gradcheck(
    () => lossSum(false),
    [
      { name: 'dA', value: hostF64(layer.loraA.data), grad: hostF64(layer.loraA.grad!) },
      { name: 'dB', value: hostF64(layer.loraB.data), grad: hostF64(layer.loraB.grad!) },
    ],
    { rtol: 1e-5, atol: 1e-8 },
  );
});

test('gpt2: merged weights come out in the Conv1D (in, out) layout, as the model itself exports them', async () => {
  const model = await CausalLM.load(checkpoints.get('gpt2')!);
  const lm = injectLora(model, loraConfig({ target_modules: ['c_attn'], init_lora_weights: false }));
  expect(lm.config.fan_in_fan_out).toBe(true); // set for Conv1D targets, as PEFT does
  const exported = await model.exportWeights(); // merges through LoraLinear.denseWeight()
  const before = await logits(model);
  const { tensors } = await mergeAndUnload(lm);
  const c = tensors.get('transformer.h.1.attn.c_attn.weight')!;
  expect(c.shape).toEqual([32, 96]);
  const name = [...exported.keys()].find((k) => k.endsWith('h.1.attn.c_attn.weight'))!;
  expect(exported.get(name)!.shape).toEqual(c.shape);
  expectClose(c.data, exported.get(name)!.data, { rtol: 0, atol: 1e-6 }, name);
  expectClose(await logits(model), before, { rtol: 1e-5, atol: 1e-5 }, 'merged logits');
});

test('4-bit llama (NF4 on load): merged into the dequantized weights, which differ from the dense checkpoint', async () => {
  const dense = await CausalLM.load(checkpoints.get('llama')!);
  const original = await dense.exportWeights();
  const model = await CausalLM.load(checkpoints.get('llama')!, {
    quantize: { quantType: 'nf4', doubleQuant: true },
  });
  const lm = injectLora(
    model,
    loraConfig({ target_modules: ['q_proj', 'o_proj'], init_lora_weights: false, use_dora: true }),
  );
  const count = lm.trainableParameterCount();
  expect(count.all).toBe(
    injectLora(
      dense,
      loraConfig({ target_modules: ['q_proj', 'o_proj'], use_dora: true }),
    ).trainableParameterCount().all,
  );
  const before = await logits(model);
  const { modules } = await mergeAndUnload(lm, { original: (n) => original.get(`${n}.weight`)?.data });
  expect(modules).toHaveLength(4);
  for (const m of modules) {
    expect(m.mergedInto).toBe('dequantized');
    expect(m.maxAbsDiffFromOriginal).toBeGreaterThan(0);
  }
  expectClose(await logits(model), before, { rtol: 1e-4, atol: 1e-4 }, 'merged logits');
});

test("qwen2: with target_modules null, PEFT's default for model_type qwen2 (q_proj, v_proj)", async () => {
  const lm = injectLora(await CausalLM.load(checkpoints.get('qwen2')!), loraConfig());
  expect(lm.config.target_modules).toEqual(['q_proj', 'v_proj']);
  expect(lm.layers.size).toBe(4);
});
