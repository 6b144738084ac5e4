import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { listStaleTemps, removeStaleTemps } from './stale-temps.js';
import { testDir } from './test-dir.test-support.js';

const root = testDir('lora-files-stale-');

const TEMPS = [
  '.adapter_model.safetensors.4242-0a1b2c3d4e5f.tmp', // the one @lora/sft's cleanup used to miss
  '.adapter_config.json.4242-0a1b2c3d4e5f.tmp',
  '.trainer_state.json.tmp-4242',
  '.metrics.jsonl.tmp-4242',
  'run_config.json.4242.k3j2h1.tmp',
];
const TEMP_FOLDERS = ['.checkpoint-20.4242-0a1b2c3d4e5f.tmp', '.checkpoint-10.tmp-4242-0a1b2c3d-old'];
const KEPT = ['adapter_model.safetensors', 'metrics.jsonl', '.lora.lock', 'notes.tmp', 'checkpoint-10'];

describe('removeStaleTemps', () => {
  test('removes every temp file and folder pattern the project writes, and nothing else', async () => {
    const dir = join(root, 'run');
    mkdirSync(dir);
    for (const name of [...TEMPS, ...KEPT.filter((n) => n !== 'checkpoint-10')])
      writeFileSync(join(dir, name), 'x');
    for (const name of [...TEMP_FOLDERS, 'checkpoint-10']) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'trainable.safetensors'), 'x');
    }
    expect(await listStaleTemps(dir)).toEqual([...TEMPS, ...TEMP_FOLDERS].sort());
    expect(await removeStaleTemps(dir)).toEqual([...TEMPS, ...TEMP_FOLDERS].sort());
    expect(readdirSync(dir).sort()).toEqual([...KEPT].sort());
  });

  test('a folder that does not exist has none', async () => {
    expect(await removeStaleTemps(join(root, 'absent'))).toEqual([]);
  });
});
