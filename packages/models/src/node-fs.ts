// Node's file system, imported on first use: a browser bundle of this package (CausalLM.fromWeights, generate)
// then holds no static `node:` import, and only load/save/readGenerationConfig/writeTinyCheckpoint ask for it.
import { ModelLoadError } from './errors.js';

export interface NodeFs {
  fs: typeof import('node:fs/promises');
  path: typeof import('node:path');
}

let loading: Promise<NodeFs> | undefined;

async function load(): Promise<NodeFs> {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  return { fs, path };
}

/** The modules, loaded once; where there is no Node file system, a ModelLoadError naming `file`. */
export async function nodeFs(file: string): Promise<NodeFs> {
  loading ??= load();
  try {
    return await loading;
  } catch (cause) {
    loading = undefined;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new ModelLoadError(
      `${file}: needs a file system: expected Node.js (node:fs), got a runtime without it (in a browser, build the model with CausalLM.fromWeights): ${detail}`,
      { cause },
    );
  }
}
