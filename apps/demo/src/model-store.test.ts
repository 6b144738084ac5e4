import { memoryStorage } from '@lora/sft';
import { describe, expect, test } from 'vitest';
import { folderNameOf, storedModel, storeModel } from './model-store.js';

const file = (path: string, text: string) => {
  const f = new File([text], path.slice(path.lastIndexOf('/') + 1));
  Object.defineProperty(f, 'webkitRelativePath', { value: path });
  return f;
};

describe('storeModel / storedModel', () => {
  test('keeps the model files of a picked folder, leaves the rest, and reads them back', async () => {
    const storage = memoryStorage();
    const picked = [
      file('tiny/config.json', '{}'),
      file('tiny/model.safetensors', 'weights'),
      file('tiny/tokenizer.json', '{}'),
      file('tiny/README.md', '# tiny'),
      file('tiny/pytorch_model.bin', 'pickle'),
    ];
    expect(folderNameOf(picked)).toBe('tiny');
    expect(await storeModel(storage, 'tiny', picked)).toEqual({
      kept: ['config.json', 'model.safetensors', 'tokenizer.json'],
      ignored: ['README.md', 'pytorch_model.bin'],
    });
    const files = await storedModel(storage);
    expect(files?.label).toBe('tiny/');
    expect(files?.names).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
    expect(new TextDecoder().decode(await files!.read('model.safetensors'))).toBe('weights');
    expect(await files!.read('README.md')).toBeUndefined();
  });

  test('a new folder replaces the old one; nothing kept reads as none', async () => {
    const storage = memoryStorage();
    expect(await storedModel(storage)).toBeUndefined();
    await storeModel(storage, 'a', [file('a/config.json', '{}'), file('a/model.safetensors', 'x')]);
    await storeModel(storage, 'b', [file('b/config.json', '{}')]);
    expect((await storedModel(storage))?.names).toEqual(['config.json']);
    expect(folderNameOf([new File(['x'], 'config.json')])).toBe('picked files');
  });
});
