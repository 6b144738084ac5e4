import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import { busyCores, describeLoad, machineInfo } from './machine.js';

describe('machine', () => {
  test('busyCores counts another thread spinning while this one waits (about one core of busy time)', async () => {
    const spinner = new Worker(
      'const end = Date.now() + 1500; let x = 0; while (Date.now() < end) x++; require("worker_threads").parentPort.postMessage(x);',
      { eval: true },
    );
    const done = new Promise((resolve) => spinner.once('message', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the spinner is running
    const busy = busyCores(400);
    await done;
    expect(busy).toBeGreaterThan(0.5);
    expect(busy).toBeLessThanOrEqual(machineInfo(new Date(0), 0).cores);
  });

  test('machineInfo samples only when asked, and describeLoad prints what it has', () => {
    const info = machineInfo(new Date(0), 0);
    expect(info.busyCores).toBeNull();
    expect(describeLoad({ loadAverage: [1.5, 2, 2.5], busyCores: null })).toBe('load 1.5 2 2.5');
    expect(describeLoad({ loadAverage: [1.5, 2, 2.5], busyCores: 0.02 })).toBe(
      'load 1.5 2 2.5, other processes 0.02 cores busy',
    );
  });
});
