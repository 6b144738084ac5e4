// The body of each GEMM worker thread, as plain CommonJS source for `new Worker(source, { eval: true })`:
// no file to ship or resolve, and no TypeScript to transpile inside the worker.
//
// Control words (Int32Array over a SharedArrayBuffer): GENERATION is bumped by the caller for each job;
// a worker runs gemmThread(JOB, tid, NTHREADS) when tid < NTHREADS, then decrements PENDING and wakes the
// caller when it reaches zero. STOP ends the loop; FAILED holds 1 + the tid of a worker that trapped.

export const CONTROL = {
  GENERATION: 0,
  JOB: 1,
  NTHREADS: 2,
  PENDING: 3,
  STOP: 4,
  FAILED: 5,
  WORDS: 8,
} as const;

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
  for (;;) {
    Atomics.wait(words, C.GENERATION, seen);
    seen = Atomics.load(words, C.GENERATION);
    if (Atomics.load(words, C.STOP) !== 0) break;
    const nthreads = Atomics.load(words, C.NTHREADS);
    if (tid < nthreads) {
      try {
        exports.gemmThread(Atomics.load(words, C.JOB), tid, nthreads);
      } catch {
        Atomics.store(words, C.FAILED, tid + 1);
      }
    }
    if (Atomics.sub(words, C.PENDING, 1) === 1) Atomics.notify(words, C.PENDING);
  }
}
`;
