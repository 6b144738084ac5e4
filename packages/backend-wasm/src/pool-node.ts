// Node worker threads for the kernel jobs (GEMM and elementwise): each instantiates the kernel module on the
// shared memory and parks on Atomics.wait; a call wakes them, works as thread 0 itself, then waits on Atomics for
// the rest (allowed on Node's main thread), so the kernel API stays synchronous. Loaded only through a dynamic
// import.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { WasmBackendError } from './errors.js';
import { awaitWorkers } from './pool-wait.js';
import { CONTROL, controlWords, WORKER_SOURCE } from './worker-source.js';

/** Longest a call may wait on its workers without any of them finishing before it fails. */

export interface ThreadPool {
  /** threads including the calling one */
  readonly size: number;
  /** Run `job` on `nthreads` (≤ size) threads: `self` is the calling thread's share (tid 0). */
  run(job: number, nthreads: number, self: () => void): void;
  dispose(): Promise<void>;
}

export function availableCores(): number {
  return availableParallelism();
}

/** Start `size - 1` workers on `memory`; resolves once every worker has instantiated the module. */
export async function startNodePool(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  size: number,
): Promise<ThreadPool> {
  const words = new Int32Array(new SharedArrayBuffer(controlWords(size) * 4));
  const workers: Worker[] = [];
  const ready: Promise<void>[] = [];
  for (let tid = 1; tid < size; tid++) {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, memory, control: words.buffer, tid },
    });
    worker.unref(); // parked workers never keep the process alive
    workers.push(worker);
    ready.push(
      new Promise((resolve, reject) => {
        worker.once('message', (msg: { ready: boolean; message?: string }) =>
          msg.ready
            ? resolve()
            : reject(new WasmBackendError(`wasm worker ${tid} failed to start: ${msg.message}`)),
        );
        worker.once('error', (cause) =>
          reject(new WasmBackendError(`wasm worker ${tid} failed to start: ${cause.message}`, { cause })),
        );
      }),
    );
  }
  try {
    await Promise.all(ready);
  } catch (error) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  }
  let broken: string | undefined;
  return {
    size,
    run(job, nthreads, self) {
      if (broken) throw new WasmBackendError(broken);
      Atomics.store(words, CONTROL.JOB, job);
      Atomics.store(words, CONTROL.NTHREADS, nthreads);
      Atomics.store(words, CONTROL.FAILED, 0);
      const generation = (Atomics.add(words, CONTROL.GENERATION, 1) + 1) | 0; // int32, wraps like the word
      Atomics.notify(words, CONTROL.GENERATION);
      try {
        self();
      } finally {
        try {
          awaitWorkers(words, size, generation);
        } catch (error) {
          broken = (error as Error).message;
          throw error;
        }
      }
      const failed = Atomics.load(words, CONTROL.FAILED);
      if (failed !== 0) throw new WasmBackendError(`wasm kernel job failed: worker ${failed - 1} trapped`);
    },
    async dispose() {
      Atomics.store(words, CONTROL.STOP, 1);
      Atomics.add(words, CONTROL.GENERATION, 1);
      Atomics.notify(words, CONTROL.GENERATION);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
