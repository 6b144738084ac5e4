import { memoryStorage } from '@lora/sft';
import { describe, expect, test } from 'vitest';
import { type RunRecord, readRecord, resumableRun, writeRecord } from './run-record.js';

const record: RunRecord = {
  model: { kind: 'stored', label: 'my-model' },
  data: { kind: 'upload', name: 'qa.jsonl' },
  chatFormat: 'chatml',
  steps: 200,
  finished: false,
};

describe('resumableRun', () => {
  test('an unfinished record with a complete checkpoint can be resumed from it', async () => {
    const storage = memoryStorage();
    expect(await resumableRun(storage)).toBeUndefined();
    await writeRecord(storage, record);
    expect(await resumableRun(storage)).toBeUndefined(); // no checkpoint yet
    const files = [
      'trainable.safetensors',
      'optimizer.safetensors',
      'scheduler.json',
      'rng_state.json',
      'data_state.json',
    ];
    await storage.writeFolder('checkpoint-50', async (f) => {
      for (const name of files) await f.writeFile(name, '{}');
    });
    expect(await resumableRun(storage)).toBeUndefined(); // incomplete: no trainer_state.json
    await storage.writeFolder('checkpoint-50', async (f) => {
      for (const name of [...files, 'trainer_state.json']) await f.writeFile(name, '{}');
    });
    expect((await resumableRun(storage))?.run).toEqual({
      step: 50,
      maxSteps: 200,
      model: 'my-model',
      data: 'qa.jsonl',
    });
    await writeRecord(storage, { ...record, finished: true });
    expect(await resumableRun(storage)).toBeUndefined();
  });

  test('a record cut short reads as none', async () => {
    const storage = memoryStorage();
    await storage.writeFile('demo-run.json', '{"model": ');
    expect(await readRecord(storage)).toBeUndefined();
  });
});
