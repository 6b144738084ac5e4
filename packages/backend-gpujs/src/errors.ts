// Errors raised by the gpu.js backend at its public boundary.

/** A gpu.js mode could not be created, compiled a kernel wrongly, or a kernel got arguments that break its contract. */
export class GpujsBackendError extends Error {
  override name = 'GpujsBackendError';
}
