// llama2.c's stories260K — a real pretrained Llama, shipped in @lora/stories260k — loaded with CausalLM.load against
// PyTorch in float64 (fixtures/stories260k_golden.py writes the Llama forward from transformers' modeling_llama.py):
// greedy continuations token for token through the KV-cache generate(), the logits of a whole sequence, and the
// mean token loss of fixed sequences, on the reference kernels and on the WebAssembly backend.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerWasmBackend } from '@lora/backend-wasm';
import { deviceMemory, disposeBackends, getBackend, REFERENCE_BACKEND, setBackend } from '@lora/core';
import { STORIES260K_DIR } from '@lora/stories260k';
import { expectClose } from '@lora/testing';
import { Tokenizer } from '@lora/tokenize';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CausalLM } from './causal-lm.js';
import { f32FromBase64 } from './golden-cases.test-support.js';
import { generate } from './generation/index.js';

interface Sequence {
  text: string;
  ids: number[];
}

interface Stories260kGolden {
  torch: string;
  sha256: string;
  new_tokens: number;
  prompts: (Sequence & { greedy: number[]; margins: number[] })[];
  logits: { ids: number[]; shape: [number, number]; f32_b64: string };
  eval: (Sequence & { loss_sum: number; tokens: number; mean_loss: number })[];
}

const golden = JSON.parse(
  readFileSync(new URL('../fixtures/stories260k-golden.json', import.meta.url), 'utf8'),
) as Stories260kGolden;
const dir = fileURLToPath(STORIES260K_DIR);

describe('the golden inputs and the shipped files', () => {
  test('stories260k-golden.json was computed from the model.safetensors shipped in @lora/stories260k', () => {
    const bytes = readFileSync(join(dir, 'model.safetensors'));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(golden.sha256);
  });

  test('our tokenizer encodes the texts to the ids the script read, and decodes the greedy story of <s>', async () => {
    const tokenizer = await Tokenizer.fromDir(dir);
    for (const s of [...golden.prompts, ...golden.eval])
      expect(tokenizer.encode(s.text), s.text).toEqual(s.ids);
    const fromBos = golden.prompts.find((p) => p.text === '')!;
    // what llama2.c's run.c prints greedily from BOS (PROVENANCE.md)
    expect(tokenizer.decode(fromBos.greedy)).toMatch(
      /^Once upon a time, there was a little girl named Lily\. /,
    );
  });
});

describe.each([REFERENCE_BACKEND, 'wasm'])(
  `stories260K against PyTorch ${golden.torch} (float64), on %s`,
  (backend) => {
    let model: CausalLM;
    beforeAll(async () => {
      if (backend === 'wasm') await registerWasmBackend({ threads: 2 });
      await setBackend(backend);
      expect(getBackend()).toBe(backend);
      model = await CausalLM.load(dir);
      await model.useMemory(deviceMemory());
    });
    afterAll(async () => {
      await disposeBackends();
    });

    test.each(golden.prompts.map((p) => [p.text || '<s>', p.greedy.length, p] as const))(
    'greedy continuation of "%s": the same %i tokens',
    async (_, __, p) => {
        const result = await generate(model, [p.ids], { maxNewTokens: golden.new_tokens, doSample: false });
        expect(result.tokens[0]).toEqual(p.greedy);
        expect(result.finishReasons[0]).toBe('length'); // the model never emits </s>: it was trained without it
      },
    );

    test('logits of a whole sequence within float32 rounding (rtol 1e-4, atol 1e-4)', async () => {
      const { ids, shape } = golden.logits;
      const logits = await model.logits(Int32Array.from(ids), 1, ids.length);
      expect([ids.length, model.config.vocabSize]).toEqual(shape);
      expectClose(logits, f32FromBase64(golden.logits.f32_b64), { rtol: 1e-4, atol: 1e-4 }, 'logits');
    });

    test.each(golden.eval.map((e) => [e.text, e] as const))(
      'mean token loss of "%s" within 1e-5',
      async (_, e) => {
        const ids = Int32Array.from(e.ids);
        const batch = {
          inputIds: ids,
          labels: ids,
          attentionMask: new Uint8Array(ids.length).fill(1),
          batch: 1,
        };
        const r = await model.step({ ...batch, seqLen: ids.length }, { training: false, backward: false });
        expect(r.tokens).toBe(e.tokens);
        expectClose([r.lossSum / r.tokens], [e.mean_loss], { rtol: 1e-5, atol: 1e-6 }, 'mean loss');
      },
    );
  },
);
