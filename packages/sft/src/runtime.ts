// What the trainer asks of the runtime it runs in, the same in Node and in a browser worker: a turn of the event loop
// between steps (so a stop request or a page's message is read) and the process's peak memory where there is one.

/**
 * A macrotask turn: setImmediate in Node; elsewhere a MessageChannel message, which (unlike setTimeout) has no
 * 4 ms clamp, so a fast step is not slowed by its yield.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(0);
  });
}

/** Node's resident-set high-water mark in MiB (one decimal), or undefined where there is no such figure (a browser). */
export function peakMemoryMb(): number | undefined {
  const node = (globalThis as { process?: { resourceUsage?: () => { maxRSS: number } } }).process;
  if (typeof node?.resourceUsage !== 'function') return undefined;
  const rss = node.resourceUsage().maxRSS / 1024; // kilobytes → MiB
  return Math.round(rss * 10) / 10;
}
