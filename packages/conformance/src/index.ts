export type { BackendEntry, RegistrationFailure } from './backends.js';
export { BACKENDS, registerAll } from './backends.js';
export { promoteToFloat64, REFERENCE_F64_BACKEND, registerReferenceF64Backend } from './reference-f64.js';
export { placeArgs } from './place-args.js';
