import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onOpaqueBackend } from '@lora/core';
import {
  type Architecture,
  CausalLM,
  memoryShapes,
  parseModelConfig,
  writeTinyCheckpoint,
} from '@lora/models';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { expect, test } from 'vitest';
import { MemoryPlanError, type MemoryPlanInput, planMemory } from './memory-plan.js';
import { tempDir } from './trainer.test-support.js';

const MiB = 2 ** 20;
const qwen15 = () =>
  memoryShapes(
    parseModelConfig(
      JSON.parse(
        readFileSync(
          sharedFixture('qwen2.5-instruct', 'config.qwen2.5-1.5b-instruct.resaved-transformers5.json'),
          'utf8',
        ),
      ),
    ),
  );
const input = (maxArrayBytes?: number): MemoryPlanInput => ({
  model: qwen15(),
  quant: 'nf4',
  loraRank: 16,
  targetModules: ['q_proj', 'v_proj'],
  batchSize: 1,
  seqLen: 512,
  modulesToSave: ['embed_tokens'],
  ...(maxArrayBytes !== undefined ? { maxArrayBytes } : {}),
});

describeWithFixtures(
  'planMemory with the device’s largest array (Qwen2.5-1.5B, tied 151,936 × 1,536 embedding)',
  () => {
    test.each([
      [undefined, 151_936, 1],
      [2 ** 30, 151_936, 1], // SwiftShader's 1 GiB holds the 933 MB table whole
      [256 * MiB, 43_690, 4],
      [128 * MiB, 21_845, 7], // WebGPU's default maxStorageBufferBindingSize
    ])(
      'under %s bytes the embedding is kept as blocks of %i rows (%i of them), in the same bytes',
      (limit, rows, blocks) => {
        const plan = planMemory(input(limit));
        const embed = plan.rowBlocks.find((t) => t.name === 'model.embed_tokens.weight')!;
        expect([embed.rows, embed.rowsPerBlock, embed.blocks]).toEqual([151_936, rows, blocks]);
        expect(plan.total).toBe(planMemory(input()).total);
      },
    );

    test('a row larger than the limit is refused before anything loads, naming the tensor', () => {
      expect(() => planMemory(input(6000))).toThrow(MemoryPlanError);
      expect(() => planMemory(input(6000))).toThrow(
        'planMemory maxArrayBytes: tensor "model.embed_tokens.weight" needs 6144 bytes in one array, one row of 1536 f32 (a tensor is split by whole rows), above the device\'s largest array of 6000 bytes',
      );
    });

    test("a linear's weight above the limit is refused, naming it: linears are read whole", () => {
      // the 4-bit codes of mlp.gate_proj (8960 × 1536 / 2 = 6.9 MB) above 4 MiB
      expect(() => planMemory({ ...input(4 * MiB), quant: 'none' })).toThrow(
        /tensor "layers\.\*\.self_attn\.q_proj\.weight" needs 9437184 bytes in one array, \(1536, 1536\), read whole/,
      );
      expect(() => planMemory(input(4 * MiB))).toThrow(
        /tensor "layers\.\*\.mlp\.gate_proj\.weight" needs 6881280 bytes/,
      );
    });

    test('maxArrayBytes must be a positive integer', () => {
      expect(() => planMemory(input(0))).toThrow('planMemory maxArrayBytes: expected an integer > 0, got 0');
    });
  },
);

// The plan predicts the blocks the model keeps: a tiny checkpoint (vocabulary 128, hidden 32) in the opaque memory
// capped at 9,000 B (70 rows of 32 f32), vocabulary chunks of 16 — the lm head's table (the tied embedding, or lm_head)
// in blocks of 64 rows, whole chunks, an untied embedding in blocks of 70.
test.each([
  ['qwen2', true],
  ['qwen2', false],
  ['llama', false],
] as [Architecture, boolean][])(
  '%s tied %s: the planned row blocks are the ones CausalLM.useMemory keeps',
  async (arch, tied) => {
    const [cap, chunk] = [9000, 16];
    const dir = join(await tempDir('plan-row-blocks'), 'model');
    await writeTinyCheckpoint(dir, arch, { overrides: { tie_word_embeddings: tied } });
    const model = await CausalLM.load(dir);
    model.vocabChunk = chunk;
    const plan = planMemory({
      model: memoryShapes(model.config),
      quant: 'none',
      loraRank: 2,
      targetModules: 'all-linear',
      batchSize: 1,
      seqLen: 8,
      vocabChunk: chunk,
      maxArrayBytes: cap,
    });
    const planned = plan.rowBlocks.filter((t) => t.blocks > 1).map((t) => [t.name, t.rowsPerBlock, t.blocks]);
    await onOpaqueBackend(async (memory) => {
      memory.maxArrayBytes = cap;
      try {
        await model.useMemory(memory);
      } finally {
        memory.maxArrayBytes = undefined;
      }
    });
    const kept = new Map<string, number[]>();
    for (const p of model.parameters())
      if (p.rowBlock) kept.set(p.name, [...(kept.get(p.name) ?? []), p.shape[0]!]);
    expect(planned).toEqual([...kept].map(([name, rows]) => [name, rows[0], rows.length]));
    expect(planned.length).toBeGreaterThan(0);
  },
);
