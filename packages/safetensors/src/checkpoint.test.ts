import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openCheckpoint } from './checkpoint.js';
import { SafetensorsError, type SafetensorsErrorCode } from './errors.js';
import { writeSafetensors } from './write.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lora-safetensors-ckpt-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const vec = (...xs: number[]) => ({ dtype: 'F32' as const, shape: [xs.length], data: Float32Array.from(xs) });

/** A directory with two shards (a, b in shard 1; c, extra in shard 2) and an index written by hand. */
async function sharded(name: string, weightMap: Record<string, string>, rawIndex?: string): Promise<string> {
  const d = join(root, name);
  await mkdir(d);
  await writeSafetensors(
    join(d, 'model-00001-of-00002.safetensors'),
    { a: vec(1, 2), b: vec(3) },
    { format: 'pt' },
  );
  await writeSafetensors(
    join(d, 'model-00002-of-00002.safetensors'),
    { c: vec(4, 5, 6), extra: vec(7) },
    { format: 'pt' },
  );
  const index = rawIndex ?? JSON.stringify({ metadata: { total_size: 24 }, weight_map: weightMap });
  await writeFile(join(d, 'model.safetensors.index.json'), index);
  return d;
}

const goodMap = {
  a: 'model-00001-of-00002.safetensors',
  b: 'model-00001-of-00002.safetensors',
  c: 'model-00002-of-00002.safetensors',
};

describe('openCheckpoint', () => {
  test('a sharded directory reads as one set of tensors; names follow the index, not the shards', async () => {
    const d = await sharded('good', goodMap);
    const ckpt = await openCheckpoint(d);
    expect(ckpt.tensorNames()).toEqual(['a', 'b', 'c']); // "extra" is in shard 2 but not in the index
    expect(ckpt.has('extra')).toBe(false);
    expect(ckpt.files).toEqual([
      join(d, 'model-00001-of-00002.safetensors'),
      join(d, 'model-00002-of-00002.safetensors'),
    ]);
    expect(ckpt.indexPath).toBe(join(d, 'model.safetensors.index.json'));
    expect(ckpt.indexMetadata).toEqual({ total_size: 24 });
    expect([...(await ckpt.readF32('c'))]).toEqual([4, 5, 6]);
    expect([...(await ckpt.readF32('a'))]).toEqual([1, 2]);
    expect(ckpt.info('c')).toMatchObject({ dtype: 'F32', shape: [3] });
    await expect(ckpt.readRaw('extra')).rejects.toMatchObject({ code: 'TensorNotFound', tensor: 'extra' });
    await ckpt.close();
  });

  test('the index file itself, or one .safetensors file, can be opened directly', async () => {
    const d = await sharded('direct', goodMap);
    const viaIndex = await openCheckpoint(join(d, 'model.safetensors.index.json'));
    expect(viaIndex.tensorNames()).toEqual(['a', 'b', 'c']);
    await viaIndex.close();
    const viaFile = await openCheckpoint(join(d, 'model-00002-of-00002.safetensors'));
    expect(viaFile.tensorNames()).toEqual(['c', 'extra']);
    expect(viaFile.indexPath).toBeUndefined();
    await viaFile.close();
  });

  test('model.safetensors wins over an index beside it, as in transformers', async () => {
    const d = await sharded('both', goodMap);
    await writeSafetensors(join(d, 'model.safetensors'), { only: vec(9) });
    const ckpt = await openCheckpoint(d);
    expect(ckpt.tensorNames()).toEqual(['only']);
    await ckpt.close();
  });

  test.each<[string, () => Promise<string>, SafetensorsErrorCode, string, string | undefined]>([
    [
      'an index pointing at a missing shard',
      () => sharded('missing', { ...goodMap, lm_head: 'model-00003-of-00003.safetensors' }),
      'MissingShard',
      'shard "model-00003-of-00003.safetensors" is missing: expected a file at',
      'lm_head',
    ],
    [
      'a tensor absent from its shard',
      () => sharded('absent', { ...goodMap, 'model.norm.weight': 'model-00002-of-00002.safetensors' }),
      'TensorNotInShard',
      'weight_map puts it in "model-00002-of-00002.safetensors", but that file\'s header has no such tensor',
      'model.norm.weight',
    ],
    [
      'an index that is not JSON',
      () => sharded('notjson', {}, '{"weight_map": {'),
      'InvalidIndex',
      'not valid JSON',
      undefined,
    ],
    [
      'an index without weight_map',
      () => sharded('nomap', {}, '{"metadata": {}}'),
      'InvalidIndex',
      'weight_map: expected an object of tensor name -> shard file, got nothing',
      undefined,
    ],
    [
      'a shard outside the directory',
      () => sharded('escape', { a: '../model-00001-of-00002.safetensors' }),
      'InvalidIndex',
      'weight_map["a"]: expected a file inside',
      undefined,
    ],
    [
      'a shard name that is not a string',
      () => sharded('notstring', { a: 3 } as never),
      'InvalidIndex',
      'weight_map["a"]: expected a file name, got 3',
      undefined,
    ],
  ])('%s is refused, naming the file and tensor', async (_label, make, code, message, tensor) => {
    const d = await make();
    const error = await openCheckpoint(d).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SafetensorsError);
    expect(error).toMatchObject({ code, tensor, file: join(d, 'model.safetensors.index.json') });
    expect((error as Error).message).toContain(message);
  });

  test('a corrupt shard reports the shard file', async () => {
    const d = await sharded('corrupt', goodMap);
    await writeFile(join(d, 'model-00002-of-00002.safetensors'), Uint8Array.of(1, 2, 3));
    await expect(openCheckpoint(d)).rejects.toMatchObject({
      code: 'HeaderTooSmall',
      file: join(d, 'model-00002-of-00002.safetensors'),
    });
  });

  test.each([
    [
      'a directory with neither file',
      async () => mkdtemp(join(root, 'empty-')),
      'got a directory with neither',
    ],
    ['a path that does not exist', async () => join(root, 'nowhere'), 'got nothing there'],
  ])('%s is CheckpointNotFound', async (_label, make, message) => {
    const path = await make();
    await expect(openCheckpoint(path)).rejects.toMatchObject({
      code: 'CheckpointNotFound',
      file: path,
      message: expect.stringContaining(
        `expected a directory holding model.safetensors or model.safetensors.index.json, or a path to one, ${message}`,
      ),
    });
  });
});
