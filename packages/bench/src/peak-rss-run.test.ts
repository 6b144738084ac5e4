import { readFileSync } from 'node:fs';
import type { MeasuredRun } from '@lora/sft';
import { describe, expect, test } from 'vitest';
import { parseTimeOutput, qloraRunSettings, trainArgs, trainRuntimeOf } from './peak-rss-run.js';

const fixture = JSON.parse(
  readFileSync(new URL('../../sft/fixtures/measured-peak-rss.json', import.meta.url), 'utf8'),
) as { runs: MeasuredRun[] };

describe('parseTimeOutput', () => {
  test.each([
    ['2741072 221.58\n', 2741072 * 1024, 221.58],
    ['Command exited with non-zero status 1\n339040 2.90', 339040 * 1024, 2.9],
    ['  5105636 115\n\n', 5105636 * 1024, 115],
  ])('%j: the last line is peak KiB and seconds', (text, bytes, seconds) => {
    expect(parseTimeOutput(text, 'time.txt')).toEqual({ peakRssBytes: bytes, wallSeconds: seconds });
  });

  test.each(['', 'Command terminated by signal 9', '123 abc'])('%j is refused, naming the file', (text) => {
    expect(() => parseTimeOutput(text, '/tmp/x-time.txt')).toThrow(
      `/tmp/x-time.txt: expected "<max RSS KiB> <seconds>" (/usr/bin/time -f '%M %e'), got`,
    );
  });
});

test('trainRuntimeOf takes the last logged train_runtime, and null without one', () => {
  const lines = [
    '{"step":1,"train_loss":11.9,"train_runtime":0.65}',
    '{"step":2,"eval_loss":11.0}',
    '{"step":2,"train_loss":11.2,"train_runtime":1.25}',
    '',
  ];
  expect(trainRuntimeOf(lines.join('\n'))).toBe(1.25);
  expect(trainRuntimeOf('{"step":1,"eval_loss":3}\n')).toBeNull();
  expect(trainRuntimeOf('')).toBeNull();
});

test.each(fixture.runs.map((r) => [r.name, r] as const))(
  '%s: the settings and lora train arguments are those the sft fixture recorded',
  (_name, run) => {
    const s = run.settings;
    expect(qloraRunSettings(run.tokens, s.lora_dropout, s.gradient_checkpointing)).toEqual(s);
    const files = {
      model: `$DIR/${run.name}-model`,
      data: `$DIR/${run.name}-data.jsonl`,
      output: `$DIR/${run.name}-run`,
    };
    expect(`/usr/bin/time -f %M node ${trainArgs(files, s).join(' ')}`).toBe(run.command);
  },
);
