// A model folder served next to the page: the asset URLs a bundler gives @lora/stories260k's files
// (`new URL('../hf/<file>', import.meta.url)`, rewritten by Vite), fetched when first read.
import { STORIES260K_FILES } from '@lora/stories260k';
import { type ModelFiles, ModelFolderError } from './model-files.js';

/** Files behind URLs, by name; each is fetched once, on first read. */
export function fetchedFiles(label: string, urls: Readonly<Record<string, URL | string>>): ModelFiles {
  const cache = new Map<string, Promise<Uint8Array>>();
  const fetchOnce = (name: string, url: URL | string) => {
    let bytes = cache.get(name);
    if (!bytes) {
      bytes = fetch(url).then(async (response) => {
        if (!response.ok)
          throw new ModelFolderError(
            `${label}${name}: expected HTTP 200 from ${String(url)}, got ${response.status} ${response.statusText}`,
          );
        return new Uint8Array(await response.arrayBuffer());
      });
      cache.set(name, bytes);
    }
    return bytes;
  };
  return {
    label,
    names: Object.keys(urls).sort(),
    read: async (name) => {
      const url = urls[name];
      return url === undefined ? undefined : fetchOnce(name, url);
    },
  };
}

/** llama2.c's stories260K, the page's default base model, from the @lora/stories260k package's files. */
export const STORIES260K_LABEL = 'stories260K/';

export function stories260kFiles(): ModelFiles {
  return fetchedFiles(STORIES260K_LABEL, STORIES260K_FILES);
}
