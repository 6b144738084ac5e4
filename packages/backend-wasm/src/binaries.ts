// Loads the compiled kernels from src/generated/kernels.ts (written by scripts/build-wasm.mjs on pnpm install).
import { WasmBuildMissingError } from './errors.js';

export type KernelVariant = 'simd' | 'relaxed';

interface GeneratedKernels {
  KERNELS_SOURCE_HASH: string;
  KERNEL_BINARIES: Record<KernelVariant, { shared: string; unshared: string }>;
}

/** How the generated module is imported; tests pass another to exercise the missing-file error. */
export type GeneratedImporter = () => Promise<GeneratedKernels>;

const importGenerated: GeneratedImporter = () => import('./generated/kernels.js');

/** The wasm bytes of one kernel variant, built for shared (threads) or unshared memory. */
export async function loadKernelBinary(
  variant: KernelVariant,
  shared: boolean,
  importer: GeneratedImporter = importGenerated,
): Promise<Uint8Array<ArrayBuffer>> {
  let generated: GeneratedKernels;
  try {
    generated = await importer();
  } catch (cause) {
    throw new WasmBuildMissingError(
      '@lora/backend-wasm: loading the compiled kernels failed: expected src/generated/kernels.ts, ' +
        'which its prepare script writes: run pnpm install (or pnpm --filter @lora/backend-wasm build:wasm)',
      { cause },
    );
  }
  return decodeBase64(generated.KERNEL_BINARIES[variant][shared ? 'shared' : 'unshared']);
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const chars = atob(text);
  const bytes = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) bytes[i] = chars.charCodeAt(i);
  return bytes;
}
