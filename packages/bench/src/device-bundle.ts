// device-run.ts as one ES module for Node, every workspace package inside (from its TypeScript source) except Dawn's
// `webgpu` addon, which the kit ships beside it in node_modules/. scripts/device-kit.ts packs it for a GPU machine.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ENTRY = fileURLToPath(new URL('./device-run.ts', import.meta.url));

/** Writes the bundle to `outfile`. The wasm kernels must be generated (backend-wasm's build-wasm.mjs). */
export async function bundleDeviceRun(outfile: string): Promise<void> {
  await build({
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@lora/source'],
    external: ['webgpu'],
    // bundled CommonJS code calls require(); an ES module has none of its own
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
}
