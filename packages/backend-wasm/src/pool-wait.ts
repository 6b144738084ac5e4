// Waiting for a thread pool's workers to finish a job, shared by the Node and the browser pool. A worker that died
// never publishes its DONE word (and, in Node, its 'exit' event cannot arrive while this thread blocks): wait in
// slices and turn a job that makes no progress for STUCK_MS into an error, not a hang.
import { WasmBackendError } from './errors.js';
import { CONTROL } from './worker-source.js';

/** No progress for this long means a worker died or hung. */
export const STUCK_MS = 300_000;
const WAIT_SLICE_MS = 1_000;

/**
 * Until workers 1..size−1 have published `generation` in their DONE words. Throws WasmBackendError (the pool is then
 * unusable; the caller keeps the message to refuse later jobs) when one makes no progress for STUCK_MS.
 */
export function awaitWorkers(words: Int32Array, size: number, generation: number): void {
  let deadline = Date.now() + STUCK_MS;
  for (let tid = 1; tid < size; tid++) {
    for (
      let done = Atomics.load(words, CONTROL.DONE + tid);
      done !== generation;
      done = Atomics.load(words, CONTROL.DONE + tid)
    ) {
      if (Atomics.wait(words, CONTROL.DONE + tid, done, WAIT_SLICE_MS) !== 'timed-out') {
        deadline = Date.now() + STUCK_MS;
      } else if (Date.now() > deadline) {
        throw new WasmBackendError(
          `wasm kernel job: worker thread ${tid} made no progress for ${STUCK_MS / 1000} s (it died or hung); this thread pool is unusable`,
        );
      }
    }
  }
}
