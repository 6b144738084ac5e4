import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from './test-support/temp-dir.js';
import { readConfigFile } from './config-file.js';

const dir = tempDir('lora-config-');
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const own = ['model', 'data', 'lora_r', 'lora_alpha', 'target_modules', 'sweep'];
const keys = { own, any: new Set([...own, 'adapter', 'temperature']) };

describe('readConfigFile', () => {
  test('values with the line of each key', () => {
    const file = readConfigFile(
      write(
        'ok.yml',
        '# comment\nmodel: m\nlora_r: 16\ntarget_modules: [q_proj, v_proj]\nsweep:\n  parameters: { lr: [1, 2] }\n',
      ),
      keys,
      'train',
    );
    expect(Object.fromEntries([...file.entries].map(([k, e]) => [k, [e.value, e.line]]))).toEqual({
      model: ['m', 2],
      lora_r: [16, 3],
      target_modules: [['q_proj', 'v_proj'], 4],
      sweep: [{ parameters: { lr: [1, 2] } }, 5],
    });
    expect(file.dir).toBe(dir);
  });

  test('keys of other verbs are kept for them (each verb takes its own; see resolve-options.ts)', () => {
    const file = readConfigFile(
      write('shared.yml', 'model: m\nadapter: out\ntemperature: 0\n'),
      keys,
      'train',
    );
    expect([...file.entries.keys()]).toEqual(['model', 'adapter', 'temperature']);
  });

  test('an empty file is an empty config', () => {
    expect(readConfigFile(write('empty.yml', ''), keys, 'train').entries.size).toBe(0);
  });

  test.each([
    [
      'unknown.yml',
      'model: m\n\nlora_rank: 8\n',
      'unknown.yml line 3: unknown key "lora_rank" for lora train (did you mean "lora_r"?)',
    ],
    ['unknown2.yml', 'qqq: 1\n', 'unknown2.yml line 1: unknown key "qqq" for lora train'],
    [
      'dup.yml',
      'lora_r: 1\nlora_r: 2\n',
      'dup.yml line 2 column 1: expected valid YAML, got Map keys must be unique',
    ],
    ['syntax.yml', 'model: m\nlora_r: [8\n', 'syntax.yml line 3 column 1: expected valid YAML'],
    ['scalar.yml', 'just text\n', 'scalar.yml: expected a mapping of option: value at the top level'],
  ])('%s is refused with its line', (name, text, message) => {
    expect(() => readConfigFile(write(name, text), keys, 'train')).toThrow(message);
  });

  test('a missing file', () => {
    expect(() => readConfigFile(join(dir, 'absent.yml'), keys, 'train')).toThrow(
      /absent\.yml: expected a readable YAML file, got no such file/,
    );
  });
});
