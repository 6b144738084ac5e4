// Web Workers for the kernel jobs in a browser, the design of pool-node.ts: each worker instantiates the kernel
// module on the shared memory and parks on Atomics.wait; a call wakes them, works as thread 0 itself, then waits on
// Atomics for the rest. That wait blocks, which a browser allows only off the page's main thread: the pool is offered
// to a dedicated worker of a crossOriginIsolated page (SharedArrayBuffer and shared wasm memory exist only there).
// Loaded only through a dynamic import.
import { WasmBackendError } from './errors.js';
import type { ThreadPool } from './pool-node.js';
import { awaitWorkers as awaitAll } from './pool-wait.js';
import { CONTROL, controlWords, THREAD_LOOP_SOURCE } from './worker-source.js';

/** Longest a call may wait on its workers without any of them finishing before it fails. */

interface BrowserScope {
  crossOriginIsolated?: boolean;
  WorkerGlobalScope?: unknown;
  Worker?: unknown;
  navigator?: { hardwareConcurrency?: number };
}

/**
 * Whether this thread can run a pool: a Worker constructor, a crossOriginIsolated scope, and a worker thread (the
 * page's main thread may not block on Atomics.wait).
 */
export function browserWorkersPossible(): boolean {
  const scope = globalThis as BrowserScope;
  return (
    typeof scope.Worker === 'function' &&
    scope.crossOriginIsolated === true &&
    scope.WorkerGlobalScope !== undefined
  );
}

/** The cores the browser reports (navigator.hardwareConcurrency), at least 1. */
export function browserCores(): number {
  return Math.max(1, (globalThis as BrowserScope).navigator?.hardwareConcurrency ?? 1);
}

/** A classic worker's source: it waits for its start message, then runs the thread loop pool-node's workers run. */
const BROWSER_WORKER_SOURCE = `'use strict';
self.onmessage = (event) => {
  self.onmessage = null;
  const { module, memory, control, tid } = event.data;
  const C = ${JSON.stringify(CONTROL)};
  const words = new Int32Array(control);
  let seen = Atomics.load(words, C.GENERATION); // read before 'ready': no job can start earlier
  let exports;
  try {
    exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    self.postMessage({ ready: true });
  } catch (error) {
    self.postMessage({ ready: false, message: String((error && error.message) || error) });
  }
  if (exports) {
${THREAD_LOOP_SOURCE}
  }
};
`;

/** Start `size - 1` workers on `memory`; resolves once every worker has instantiated the module. */
export async function startBrowserPool(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  size: number,
): Promise<ThreadPool> {
  const words = new Int32Array(new SharedArrayBuffer(controlWords(size) * 4));
  const url = URL.createObjectURL(new Blob([BROWSER_WORKER_SOURCE], { type: 'text/javascript' }));
  const workers: Worker[] = [];
  const ready: Promise<void>[] = [];
  try {
    for (let tid = 1; tid < size; tid++) {
      const worker = new Worker(url, { name: `wasm kernel thread ${tid}` });
      workers.push(worker);
      ready.push(
        new Promise((resolve, reject) => {
          worker.onmessage = (event: MessageEvent<{ ready: boolean; message?: string }>) =>
            event.data.ready
              ? resolve()
              : reject(new WasmBackendError(`wasm worker ${tid} failed to start: ${event.data.message}`));
          worker.onerror = (event) =>
            reject(new WasmBackendError(`wasm worker ${tid} failed to start: ${event.message}`));
        }),
      );
      worker.postMessage({ module, memory, control: words.buffer, tid });
    }
    await Promise.all(ready);
  } catch (error) {
    for (const w of workers) w.terminate();
    throw error;
  } finally {
    URL.revokeObjectURL(url);
  }
  let broken: string | undefined;
  /**
   * Until every worker has published `generation` in its DONE word. A worker that died never does: wait in slices
   * and turn a call that makes no progress for STUCK_MS into an error (and the pool into a broken one), not a hang.
   */
  const awaitWorkers = (generation: number): void => {
    try {
      awaitAll(words, size, generation);
    } catch (error) {
      broken = (error as Error).message;
      throw error;
    }
  };
  return {
    size,
    run(job, nthreads, self) {
      if (broken) throw new WasmBackendError(broken);
      Atomics.store(words, CONTROL.JOB, job);
      Atomics.store(words, CONTROL.NTHREADS, nthreads);
      Atomics.store(words, CONTROL.FAILED, 0);
      const generation = (Atomics.add(words, CONTROL.GENERATION, 1) + 1) | 0; // int32, wraps like the word
      Atomics.notify(words, CONTROL.GENERATION);
      // the workers use the job's memory until they are done: wait for them even when this thread's share throws
      let own: { error: unknown } | undefined;
      try {
        self();
      } catch (error) {
        own = { error };
      }
      awaitWorkers(generation);
      if (own) throw own.error;
      const failed = Atomics.load(words, CONTROL.FAILED);
      if (failed !== 0) throw new WasmBackendError(`wasm kernel job failed: worker ${failed - 1} trapped`);
    },
    async dispose() {
      Atomics.store(words, CONTROL.STOP, 1);
      Atomics.add(words, CONTROL.GENERATION, 1);
      Atomics.notify(words, CONTROL.GENERATION);
      for (const w of workers) w.terminate();
    },
  };
}
