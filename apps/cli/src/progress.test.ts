import { describe, expect, test } from 'vitest';
import { captureIo } from './test-support/capture-io.js';
import { createProgressView, formatDuration, progressLine } from './progress.js';

describe('formatDuration', () => {
  test.each([
    [0, '0s'],
    [59.4, '59s'],
    [61, '1m01s'],
    [3599, '59m59s'],
    [3600, '1h00m'],
    [Number.POSITIVE_INFINITY, '?'],
    [-1, '?'],
  ])('%d s → %s', (s, text) => expect(formatDuration(s)).toBe(text));
});

describe('progress without a terminal', () => {
  test('one plain line every logging step and at the last step', () => {
    const io = captureIo('/');
    const view = createProgressView(io, 2);
    for (let step = 1; step <= 5; step++)
      view.update({ step, maxSteps: 5, loss: 1 / step, lr: 1e-4, tokensPerSec: 812.4, etaSeconds: 5 - step });
    view.note('eval at step 5: loss 0.1000');
    view.stop();
    expect(io.out()).toBe(
      [
        'step 2/5  loss 0.5000  lr 1.00e-4  812 tok/s  eta 3s',
        'step 4/5  loss 0.2500  lr 1.00e-4  812 tok/s  eta 1s',
        'step 5/5  loss 0.2000  lr 1.00e-4  812 tok/s  eta 0s',
        'eval at step 5: loss 0.1000',
        '',
      ].join('\n'),
    );
  });

  test('progressLine pads the step to the width of the total', () => {
    expect(
      progressLine({ step: 7, maxSteps: 120, loss: 2, lr: 3e-3, tokensPerSec: 1000, etaSeconds: 75 }),
    ).toBe('step   7/120  loss 2.0000  lr 3.00e-3  1000 tok/s  eta 1m15s');
  });
});
