// Node's file system, imported on first use: a browser bundle of this package then holds no static `node:` import,
// and only the functions that touch files (open, write, shard) ever ask for it.
import { ioError } from './errors.js';

export interface NodeFs {
  fs: typeof import('node:fs/promises');
  path: typeof import('node:path');
  crypto: typeof import('node:crypto');
}

let loading: Promise<NodeFs> | undefined;

async function load(): Promise<NodeFs> {
  const [fs, path, crypto] = await Promise.all([
    import('node:fs/promises'),
    import('node:path'),
    import('node:crypto'),
  ]);
  return { fs, path, crypto };
}

/**
 * The modules, loaded once. `file` names what the caller was about to read or write, for the error thrown where
 * there is no Node file system (a web page: use `@lora/safetensors/browser` there).
 */
export async function nodeFs(file: string): Promise<NodeFs> {
  loading ??= load();
  try {
    return await loading;
  } catch (cause) {
    loading = undefined;
    throw ioError(
      file,
      'needs a file system: expected Node.js (node:fs), got a runtime without it (in a browser, parse and serialize in memory with @lora/safetensors/browser)',
      cause,
    );
  }
}
