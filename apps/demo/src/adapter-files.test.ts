import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHost } from '@lora/core';
import { saveAdapter } from '@lora/peft';
import { memoryStorage } from '@lora/sft';
import { STORIES260K_DIR } from '@lora/stories260k';
import { describe, expect, test } from 'vitest';
import { ADAPTER_FILE_NAMES, adapterFiles, saveAdapterInto } from './adapter-files.js';
import { readHfFolder } from './hf-folder.js';
import { buildQloraModel } from './qlora-model.js';
import { DEFAULT_SETTINGS } from './run-settings.js';
import { diskFiles } from './test-support/disk-files.js';

describe('adapterFiles', async () => {
  const base = await readHfFolder(await diskFiles(fileURLToPath(STORIES260K_DIR)));
  const q = buildQloraModel(base, DEFAULT_SETTINGS.lora, 'stories260K');
  // a trained-looking adapter: every B non-zero, so the bytes say something
  for (const layer of q.lora.layers.values())
    writeHost(layer.loraB.data, new Float32Array(layer.loraB.data.length).fill(0.25));

  test("are byte for byte what @lora/peft's saveAdapter writes to a folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lora-demo-adapter-'));
    try {
      await saveAdapter(dir, q.lora, { baseModelNameOrPath: 'stories260K' });
      const files = await adapterFiles(q.lora, 'stories260K');
      expect(files.config).toBe(await readFile(join(dir, ADAPTER_FILE_NAMES.config), 'utf8'));
      expect(Buffer.from(files.weights).equals(await readFile(join(dir, ADAPTER_FILE_NAMES.weights)))).toBe(
        true,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('go into a checkpoint folder through the storage’s FolderWriter', async () => {
    const storage = memoryStorage();
    await storage.writeFolder('checkpoint-1', (folder) => saveAdapterInto(q.lora, 'stories260K')(folder));
    expect((await storage.list('checkpoint-1')).map((e) => e.name)).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
    ]);
  });
});
