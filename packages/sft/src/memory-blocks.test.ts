import { readFileSync } from 'node:fs';
import { memoryShapes, parseModelConfig } from '@lora/models';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { expect, test } from 'vitest';
import { MemoryPlanError, type MemoryPlanInput, planMemory } from './memory-plan.js';

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
