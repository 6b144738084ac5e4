// The body of each kernel worker thread, as plain CommonJS source for `new Worker(source, { eval: true })`:
// no file to ship or resolve, and no TypeScript to transpile inside the worker.
//
// Control words (Int32Array over a SharedArrayBuffer): GENERATION is bumped by the caller for each job;
// a worker runs runThread(JOB, tid, NTHREADS) when tid < NTHREADS (the module's entry for every job kind: the
// GEMM and the elementwise kernels, by the job's JOB_KIND word), then publishes the generation it finished
// in DONE + tid and wakes the caller, which waits until every worker's DONE word equals the generation it
// started (no shared countdown that a miscounted or repeated wake could corrupt). STOP ends the loop;
// FAILED holds 1 + the tid of a worker that trapped.

export const CONTROL = {
  GENERATION: 0,
  JOB: 1,
  NTHREADS: 2,
  STOP: 3,
  FAILED: 4,
  /** DONE + tid: the last generation worker tid finished */
  DONE: 8,
} as const;

/** Control words for a pool of `size` threads (workers are tids 1..size-1). */
export function controlWords(size: number): number {
  return CONTROL.DONE + size;
}

/**
 * The loop every kernel thread runs once its module is instantiated (Node's worker_threads and the browser's Web
 * Workers alike): it expects `words`, `C`, `seen`, `exports` and `tid` in scope.
 */
export const THREAD_LOOP_SOURCE = `  for (;;) {
    Atomics.wait(words, C.GENERATION, seen);
    const generation = Atomics.load(words, C.GENERATION);
    if (Atomics.load(words, C.STOP) !== 0) break;
    if (generation === seen) continue; // woken without a new job: wait again
    seen = generation;
    const nthreads = Atomics.load(words, C.NTHREADS);
    if (tid < nthreads) {
      try {
        exports.runThread(Atomics.load(words, C.JOB), tid, nthreads);
      } catch {
        Atomics.store(words, C.FAILED, tid + 1);
      }
    }
    Atomics.store(words, C.DONE + tid, generation);
    Atomics.notify(words, C.DONE + tid);
  }`;

export const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control, tid } = workerData;
const C = ${JSON.stringify(CONTROL)};
const words = new Int32Array(control);
let seen = Atomics.load(words, C.GENERATION); // read before 'ready': no job can start earlier
let exports;
try {
  exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  parentPort.postMessage({ ready: true });
} catch (error) {
  parentPort.postMessage({ ready: false, message: String(error && error.message || error) });
}
if (exports) {
${THREAD_LOOP_SOURCE}
}
`;
