import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSafetensors, serializeSafetensors, type TensorInput } from '@lora/safetensors/browser';
import { STORIES260K_DIR } from '@lora/stories260k';
import { describe, expect, test } from 'vitest';
import { buildModel, readHfFolder } from './hf-folder.js';
import { filesFromMap, ModelFolderError } from './model-files.js';

const dir = fileURLToPath(STORIES260K_DIR);
const folder = new Map<string, Uint8Array>();
for (const name of await readdir(dir)) folder.set(name, new Uint8Array(await readFile(join(dir, name))));

/** stories260K's weights split into two shards with a model.safetensors.index.json, as save_pretrained shards. */
function sharded(): Map<string, Uint8Array> {
  const whole = parseSafetensors(folder.get('model.safetensors')!);
  const names = whole.tensorNames();
  const shards = [names.slice(0, 20), names.slice(20)];
  const files = new Map(folder);
  files.delete('model.safetensors');
  const weightMap: Record<string, string> = {};
  shards.forEach((tensors, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    const inputs: Record<string, TensorInput> = {};
    for (const t of tensors) {
      const info = whole.info(t);
      inputs[t] = { dtype: info.dtype, shape: info.shape, data: whole.readRaw(t).slice() };
      weightMap[t] = file;
    }
    files.set(file, serializeSafetensors(inputs, { format: 'pt' }));
  });
  files.set(
    'model.safetensors.index.json',
    new TextEncoder().encode(JSON.stringify({ weight_map: weightMap })),
  );
  return files;
}

describe('readHfFolder', () => {
  test('reads stories260K from its bytes: config, tokenizer (padding with EOS), every weight', async () => {
    const f = await readHfFolder(filesFromMap('stories260K/', folder));
    expect(f.config).toMatchObject({ architecture: 'llama', hiddenSize: 64, numLayers: 5, vocabSize: 512 });
    expect(f.tokenizer.padToken).toBe(f.tokenizer.eosToken);
    expect(f.parameters).toBe(260_032);
    expect(f.weightBytes).toBe(folder.get('model.safetensors')!.length);
  });

  test('a sharded checkpoint gives the same weights and the same model', async () => {
    const single = await readHfFolder(filesFromMap('single/', folder));
    const split = await readHfFolder(filesFromMap('sharded/', sharded()));
    expect(split.tensorNames.sort()).toEqual(single.tensorNames.sort());
    for (const name of single.tensorNames) expect(split.readF32(name)).toEqual(single.readF32(name));
    expect(buildModel(split, undefined).config).toEqual(buildModel(single, undefined).config);
  });

  test.each([
    ['config.json', /^m\/config\.json: expected the model's config, got no such file \(the folder holds /],
    ['tokenizer.json', /^m\/tokenizer\.json: expected the model's tokenizer, got no such file/],
    [
      'model.safetensors',
      /^m\/model\.safetensors\.index\.json: expected model\.safetensors or model\.safetensors\.index\.json with its shards, got no such file/,
    ],
  ])('without %s it names the file it expected', async (missing, message) => {
    const files = new Map(folder);
    files.delete(missing);
    const error = await readHfFolder(filesFromMap('m/', files)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFolderError);
    expect((error as Error).message).toMatch(message);
  });

  test('a missing shard and a 4-bit checkpoint are refused by name', async () => {
    const files = sharded();
    files.delete('model-00002-of-00002.safetensors');
    await expect(readHfFolder(filesFromMap('m/', files))).rejects.toThrow(
      /^m\/model-00002-of-00002\.safetensors: expected the shard model\.safetensors\.index\.json names for "[^"]+", got no such file/,
    );
    const config = JSON.parse(new TextDecoder().decode(folder.get('config.json')));
    const quantized = new Map(folder).set(
      'config.json',
      new TextEncoder().encode(JSON.stringify({ ...config, quantization_config: { load_in_4bit: true } })),
    );
    await expect(readHfFolder(filesFromMap('m/', quantized))).rejects.toThrow(
      /^m\/config\.json: expected a dense checkpoint .*got a quantization_config/,
    );
  });
});
