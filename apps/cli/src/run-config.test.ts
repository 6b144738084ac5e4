// run_config.json decides which base an adapter is evaluated on: a file that does not parse or lacks its keys is a
// RunConfigError naming the file and the key, never a silent fall back to a dense base.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { RunConfigError, readRunConfigFile, trainedQuant } from './run-config.js';
import { inferenceQuant } from './session.js';
import { tempDir } from './test-support/temp-dir.js';

const root = tempDir('lora-run-config-');
let n = 0;
const adapterWith = (text: string | undefined): string => {
  const dir = join(root, `a${n++}`);
  mkdirSync(dir);
  if (text !== undefined) writeFileSync(join(dir, 'run_config.json'), text);
  return dir;
};

describe('trainedQuant', () => {
  test.each([
    ['{"quant": "nf4", "double_quant": true}', { quant: 'nf4', doubleQuant: true }],
    ['{"quant": "fp4", "double_quant": false}', { quant: 'fp4', doubleQuant: false }],
    ['{"quant": "none"}', { quant: 'none', doubleQuant: false }],
  ])('%s', (text, expected) => {
    expect(trainedQuant(adapterWith(text))).toEqual(expected);
  });

  test('an adapter from elsewhere (no run_config.json) has none', () => {
    const dir = adapterWith(undefined);
    expect(trainedQuant(dir)).toBeUndefined();
    expect(inferenceQuant('auto', dir)).toEqual({ quant: 'none' });
  });

  test.each([
    [
      '{"quant": "nf4", "double_',
      undefined,
      /run_config\.json: expected the JSON object `lora train` writes, got unparsable text/,
    ],
    ['[1, 2]', undefined, /run_config\.json: expected a JSON object, got a list/],
    ['null', undefined, /run_config\.json: expected a JSON object, got null/],
    ['{"lr": 0.001}', 'quant', /run_config\.json: "quant" expected one of nf4, fp4, none, got nothing/],
    ['{"quant": "int8"}', 'quant', /run_config\.json: "quant" expected one of nf4, fp4, none, got "int8"/],
    [
      '{"quant": "nf4"}',
      'double_quant',
      /run_config\.json: "double_quant" expected true or false, got nothing/,
    ],
  ])('%s is an error naming the file and %s', (text, key, message) => {
    const dir = adapterWith(text);
    let error: unknown;
    try {
      inferenceQuant('auto', dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunConfigError);
    expect((error as RunConfigError).path).toBe(join(dir, 'run_config.json'));
    expect((error as RunConfigError).key).toBe(key);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(dir);
  });

  test('an explicit --quant does not need the file', () => {
    expect(inferenceQuant('nf4', adapterWith('not json'))).toEqual({ quant: 'nf4' });
  });

  test('readRunConfigFile returns the object and its path', () => {
    const dir = adapterWith('{"quant": "none", "lr": 0.001}');
    expect(readRunConfigFile(dir)).toEqual({
      path: join(dir, 'run_config.json'),
      config: { quant: 'none', lr: 0.001 },
    });
  });
});
