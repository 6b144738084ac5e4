import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openCheckpoint } from './checkpoint.js';
import type { SafetensorsDtype } from './dtypes.js';
import type { TensorInput } from './serialize.js';
import { planShards, writeShardedCheckpoint } from './shards.js';

interface Fixture {
  max_shard_size: number;
  tensors: { name: string; dtype: SafetensorsDtype; elements: number }[];
  shards: { file: string; tensors: string[] }[];
  index_text: string;
}
const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, '../fixtures/sharded-index.json'), 'utf8')) as Fixture;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lora-safetensors-shards-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GB = 1e9;
const sized = (gb: number[]) => gb.map((g, i) => ({ name: `t${i}`, bytes: g * GB, elements: 1 }));

describe('planShards (huggingface_hub split_state_dict_into_shards_factory)', () => {
  test.each([
    [
      'the docstring example: [6, 6, 2, 6, 2, 2] GB under 10 GB',
      [6, 6, 2, 6, 2, 2],
      10,
      [['t0'], ['t1', 't2'], ['t3', 't4', 't5']],
    ],
    ['everything fits: one model.safetensors', [1, 2, 3], 10, [['t0', 't1', 't2']]],
    ['exactly at the limit stays in the shard', [4, 6, 10], 10, [['t0', 't1'], ['t2']]],
    ['a tensor above the limit gets its own shard, placed when met', [1, 12, 2], 10, [['t1'], ['t0', 't2']]],
  ] as const)('%s', (_label, sizes, limitGb, groups) => {
    const plan = planShards(sized([...sizes]), limitGb * GB);
    expect(plan.shards.map((s) => s.tensors)).toEqual(groups);
    const n = groups.length;
    expect(plan.shards[0]!.file).toBe(n === 1 ? 'model.safetensors' : `model-00001-of-0000${n}.safetensors`);
    expect(plan.totalSize).toBe(sizes.reduce((a, b) => a + b, 0) * GB);
  });

  test('no tensors still makes one (empty) model.safetensors', () => {
    expect(planShards([], 10).shards).toEqual([{ file: 'model.safetensors', tensors: [] }]);
  });
});

describe('writeShardedCheckpoint', () => {
  function fixtureTensors(): Record<string, TensorInput> {
    const out: Record<string, TensorInput> = {};
    for (const [i, t] of fixture.tensors.entries()) {
      const data = Float32Array.from({ length: t.elements }, (_, k) => i + k / 8); // at most 8 significant bits
      out[t.name] = { dtype: t.dtype, shape: [t.elements], data }; // BF16 entries are converted from f32, exactly
    }
    return out;
  }

  test('writes the shards and the index transformers writes, and reads back through openCheckpoint', async () => {
    const d = join(dir, 'fixture');
    const tensors = fixtureTensors();
    const { files, plan } = await writeShardedCheckpoint(d, tensors, {
      maxShardBytes: fixture.max_shard_size,
    });
    expect(plan.shards).toEqual(fixture.shards);
    expect(files).toEqual([...fixture.shards.map((s) => s.file), 'model.safetensors.index.json']);
    expect(await readFile(join(d, 'model.safetensors.index.json'), 'utf8')).toBe(fixture.index_text);
    expect((await readdir(d)).sort()).toEqual([...files].sort());

    const ckpt = await openCheckpoint(d);
    expect(new Set(ckpt.tensorNames())).toEqual(new Set(Object.keys(tensors)));
    expect(ckpt.metadata).toEqual({ format: 'pt' });
    expect(ckpt.indexMetadata).toEqual({ total_parameters: 133, total_size: 432 });
    for (const [name, t] of Object.entries(tensors)) {
      expect(ckpt.info(name).dtype).toBe(t.dtype);
      expect(await ckpt.readF32(name)).toEqual(t.data);
    }
    expect(ckpt.fileOf('lm_head.weight')).toBe(join(d, 'model-00005-of-00005.safetensors'));
    await ckpt.close();
  });

  test('a checkpoint that fits in one shard is a single model.safetensors and no index', async () => {
    const d = join(dir, 'single');
    const { files } = await writeShardedCheckpoint(d, fixtureTensors(), {
      metadata: { format: 'pt', step: '3' },
    });
    expect(files).toEqual(['model.safetensors']);
    expect(await readdir(d)).toEqual(['model.safetensors']);
    const ckpt = await openCheckpoint(d);
    expect(ckpt.indexPath).toBeUndefined();
    expect(ckpt.metadata).toEqual({ format: 'pt', step: '3' });
    await ckpt.close();
  });

  test('a new save removes the files of an earlier one it does not use', async () => {
    const d = join(dir, 'resave');
    await writeShardedCheckpoint(d, fixtureTensors(), { maxShardBytes: fixture.max_shard_size }); // 5 shards + index
    await writeFile(join(d, 'config.json'), '{}');
    await writeShardedCheckpoint(d, fixtureTensors(), { maxShardBytes: 200 });
    const after = (await readdir(d)).sort();
    expect(
      after.filter((f) => f.endsWith('.safetensors')).every((f) => f.endsWith('-of-00003.safetensors')),
    ).toBe(true);
    expect(after).toContain('config.json'); // not ours: left alone
    await writeShardedCheckpoint(d, fixtureTensors()); // now one file: the shards and the index go
    expect((await readdir(d)).sort()).toEqual(['config.json', 'model.safetensors']);
  });

  test.each([0, -1, 1.5])('maxShardBytes %s is refused', async (maxShardBytes) => {
    await expect(
      writeShardedCheckpoint(join(dir, 'bad'), fixtureTensors(), { maxShardBytes }),
    ).rejects.toMatchObject({
      code: 'InvalidTensor',
      message: expect.stringContaining(`maxShardBytes: expected a positive integer, got ${maxShardBytes}`),
    });
  });
});
