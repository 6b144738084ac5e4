// Node's file system, imported on first use: a browser bundle of a package that depends on @lora/files then holds
// no static `node:` import, and only the functions that touch files ever ask for it.
import { FilesError } from './errors.js';

export interface NodeFs {
  fs: typeof import('node:fs/promises');
  fsSync: typeof import('node:fs');
  path: typeof import('node:path');
  crypto: typeof import('node:crypto');
  os: typeof import('node:os');
}

let loading: Promise<NodeFs> | undefined;

async function load(): Promise<NodeFs> {
  const [fs, fsSync, path, crypto, os] = await Promise.all([
    import('node:fs/promises'),
    import('node:fs'),
    import('node:path'),
    import('node:crypto'),
    import('node:os'),
  ]);
  return { fs, fsSync, path, crypto, os };
}

/** The modules, loaded once; `file` names what the caller was about to touch, for the error where there is no Node. */
export async function nodeFs(file: string): Promise<NodeFs> {
  loading ??= load();
  try {
    return await loading;
  } catch (cause) {
    loading = undefined;
    throw new FilesError(file, 'a Node.js file system (node:fs)', 'a runtime without one', { cause });
  }
}
