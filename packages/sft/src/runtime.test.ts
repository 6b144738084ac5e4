import { afterEach, expect, test, vi } from 'vitest';
import { peakMemoryMb, yieldToEventLoop } from './runtime.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

test('in Node: the peak is maxRSS in MiB, and a yield lets a queued macrotask run first', async () => {
  expect(peakMemoryMb()).toBe(Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10);
  const order: string[] = [];
  setTimeout(() => order.push('timer'), 0);
  await new Promise((resolve) => setTimeout(resolve, 1)); // the timer is due
  setImmediate(() => order.push('immediate'));
  await yieldToEventLoop();
  order.push('after yield');
  expect(order).toEqual(['timer', 'immediate', 'after yield']);
});

test('as in a browser worker: no setImmediate (a MessageChannel turn instead), no process (no peak figure)', async () => {
  vi.stubGlobal('setImmediate', undefined);
  let ran = false;
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    ran = true;
    channel.port1.close();
  };
  channel.port2.postMessage(0); // a message already queued is read before the yield resolves
  await yieldToEventLoop();
  expect(ran).toBe(true);
  vi.stubGlobal('process', undefined);
  const peak = peakMemoryMb();
  vi.unstubAllGlobals();
  expect(peak).toBeUndefined();
});
