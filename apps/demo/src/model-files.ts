// A Hugging Face model folder as the page holds it: file names and a way to read each file's bytes — fetched from
// the @lora/stories260k asset URLs, picked by the person (a folder or files), or kept in the origin private file system.
// The loaders of @lora/models and @lora/tokenize that take a folder path need Node; the page reads bytes instead.

/** The files of one model folder, by plain file name (no directories). */
export interface ModelFiles {
  /** how messages name the folder, ending with "/": "stories260K/", "my-model/" */
  readonly label: string;
  readonly names: readonly string[];
  /** the file's bytes, or undefined when the folder has no such file */
  read(name: string): Promise<Uint8Array | undefined>;
}

/** Thrown when a folder lacks a file the page needs or holds one it cannot read. */
export class ModelFolderError extends Error {
  override name = 'ModelFolderError';
}

/** The files of a folder the page keeps: the model, its tokenizer, and their configs; the rest (README, .bin) are left. */
export function isModelFile(name: string): boolean {
  return (
    [
      'config.json',
      'generation_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'model.safetensors.index.json',
    ].includes(name) || name.endsWith('.safetensors')
  );
}

/** The plain name of a picked file: "folder/sub/config.json" → "config.json". */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Files held in memory. */
export function filesFromMap(label: string, files: ReadonlyMap<string, Uint8Array>): ModelFiles {
  return {
    label,
    names: [...files.keys()].sort(),
    read: async (name) => files.get(name),
  };
}

/** A required file's bytes; ModelFolderError naming the folder and the file when it is absent. */
export async function requireFile(files: ModelFiles, name: string, what: string): Promise<Uint8Array> {
  const bytes = await files.read(name);
  if (bytes === undefined)
    throw new ModelFolderError(
      `${files.label}${name}: expected ${what}, got no such file (the folder holds ${files.names.length === 0 ? 'nothing' : files.names.join(', ')})`,
    );
  return bytes;
}

/** A JSON file parsed; undefined when it is absent and optional. */
export async function readJson(files: ModelFiles, name: string, required: string): Promise<unknown>;
export async function readJson(files: ModelFiles, name: string): Promise<unknown | undefined>;
export async function readJson(files: ModelFiles, name: string, required?: string): Promise<unknown> {
  const bytes = required === undefined ? await files.read(name) : await requireFile(files, name, required);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new ModelFolderError(
      `${files.label}${name}: expected JSON, got ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}
