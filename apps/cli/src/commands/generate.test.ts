import { fileURLToPath } from 'node:url';
import { STORIES260K_DIR } from '@lora/stories260k';
import { describe, expect, test } from 'vitest';
import { runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';

// stories260K is real: greedy from BOS is the story llama2.c's run.c prints.
const model = fileURLToPath(STORIES260K_DIR);
const cwd = tempDir('lora-generate-');
const greedy = ['--model', model, '--raw', '--temperature', '0', '--backend', 'wasm'];

describe('lora generate --raw', () => {
  test('an empty prompt starts from BOS alone', async () => {
    const r = await runCli(['generate', ...greedy, '--prompt', '', '--max-new-tokens', '15'], cwd);
    expect(r.code).toBe(0);
    expect(r.out).toBe('Once upon a time, there was a little girl named Lily.\n');
    expect(r.err).toMatch(
      /^15 new tokens in [\d.]+ s: the first after [\d.]+ s, then [\d.]+ tokens\/s; stopped at --max-new-tokens 15$/m,
    );
  });

  test('the continuation keeps the space before its first word (decoded with the prompt)', async () => {
    const r = await runCli(['generate', ...greedy, '--prompt', 'Zoo', '--max-new-tokens', '4'], cwd);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Zoo [a-z]/);
  });

  test('the prompt can come from stdin, piped or with --prompt -', async () => {
    const piped = await runCli(['generate', ...greedy, '--max-new-tokens', '6'], cwd, ['Once upon a time']);
    const dash = await runCli(['generate', ...greedy, '--prompt', '-', '--max-new-tokens', '6'], cwd, [
      'Once upon a time',
    ]);
    expect(piped.code).toBe(0);
    expect(piped.out).toMatch(/^Once upon a time, there was a little/);
    expect(dash.out).toBe(piped.out);
  });

  test('no prompt and no stdin: one line saying what to give', async () => {
    const r = await runCli(['generate', ...greedy], cwd);
    expect(r.code).not.toBe(0);
    expect(r.err).toBe(
      'lora generate: expected --prompt TEXT (--prompt "" starts from BOS alone) or text on stdin, got neither\n',
    );
  });
});
