import { describe, expect, test } from 'vitest';
import { StopSwitch } from './stop-switch.js';

describe('StopSwitch', () => {
  test('stops the registered phase once; a released phase is not stopped', () => {
    const stops = new StopSwitch();
    const calls: string[] = [];
    const release = stops.on(() => calls.push('train'));
    release();
    stops.on(() => calls.push('eval'));
    stops.stop();
    stops.stop(); // no phase: waits for the next one
    stops.on(() => calls.push('next'));
    expect(calls).toEqual(['eval', 'next']);
  });

  test('signal() aborts on Stop', () => {
    const stops = new StopSwitch();
    const { signal, release } = stops.signal();
    expect(signal.aborted).toBe(false);
    stops.stop();
    expect(signal.aborted).toBe(true);
    release();
  });
});
