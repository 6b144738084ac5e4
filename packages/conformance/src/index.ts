export type { BackendEntry, RegistrationFailure } from './backends.js';
export { BACKENDS, registerAll } from './backends.js';
export type { ConformanceCase } from './cases.js';
export { CASES, casesFor, KERNELS_WITHOUT_CASES } from './cases.js';
export { promoteToFloat64, REFERENCE_F64_BACKEND, registerReferenceF64Backend } from './reference-f64.js';
export type { KernelTolerance } from './tolerances.js';
export { EPS32, gemmTolerance, OUTPUT_TOLERANCES, resolveTolerance } from './tolerances.js';
export { placeArgs } from './place-args.js';
