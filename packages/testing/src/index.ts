export { expectClose, closeness } from './expect-close.js';
export type { Tolerance, Closeness } from './expect-close.js';
export { sharedFixturesDir, sharedFixture, describeWithFixtures } from './shared-fixtures.js';
export { makeRng } from './rng.js';
export { staticNodeImports, staticNodeImportsIn } from './node-imports.js';
export { SWIFTSHADER_ICD, useSoftwareVulkan } from './software-gpu.js';
export { hostF32, hostF64 } from './host-array.js';
