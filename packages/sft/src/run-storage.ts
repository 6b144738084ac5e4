// Where a run's files live, behind the few operations the Trainer needs: the same loop writes checkpoints, logs and
// trainer_state.json into a Node folder (nodeStorage), the browser's Origin Private File System (opfsStorage) or a
// Map (memoryStorage). A run is one level deep: files and folders in the root, files in the folders; a path is
// `name` or `folder/name` (`metrics.jsonl`, `checkpoint-4/rng_state.json`).
import { joinArrays } from '@lora/core';
import { StorageError } from './errors.js';

/**
 * File contents: text (written as UTF-8), bytes, or parts of bytes written in order (a safetensors file's header and
 * each tensor's bytes, so a checkpoint is written without a whole-file copy where the storage streams).
 */
export type StorageContents = string | Uint8Array | readonly Uint8Array[];

/** One entry of `RunStorage.list`. */
export interface StorageEntry {
  name: string;
  kind: 'file' | 'folder';
}

/** The folder `RunStorage.writeFolder` is assembling. */
export interface FolderWriter {
  /** Write one file into it (a plain name, no `/`). */
  writeFile(name: string, contents: StorageContents): Promise<void>;
  /**
   * Its path on the local file system while it is filled — for writers that take a folder, such as @lora/peft's
   * `saveAdapter(dir, …)` — on nodeStorage; undefined on storages that are not a local folder (memory, OPFS).
   */
  readonly localPath: string | undefined;
}

export interface RunStorage {
  /** Where the files are, for messages: the folder (nodeStorage), `opfs:<root>`, `memory`. */
  readonly location: string;
  /** How results and messages name `path` (nodeStorage: the file's path on disk). */
  pathOf(path: string): string;
  /** The bytes of a file (`name` or `folder/name`), or undefined when there is none. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /** Create or replace a file in the root atomically: readers see the old file or the whole new one. */
  writeFile(name: string, contents: StorageContents): Promise<void>;
  /** Add text at the end of a file in the root, creating it when missing (metrics.jsonl, training.log). */
  appendFile(name: string, text: string): Promise<void>;
  /**
   * Create the folder `name` (in the root) atomically: `fill` writes its files; the folder appears whole, replacing
   * one of that name, or not at all when `fill` (or the storage) fails — whose error is rethrown as it is. (On that
   * failure nodeStorage and memoryStorage keep an older folder of the name; opfsStorage has removed it.)
   */
  writeFolder(name: string, fill: (folder: FolderWriter) => Promise<void>): Promise<void>;
  /**
   * The files and folders in the root, or the files in `folder`, sorted by name; none when it does not exist. What
   * an interrupted write left is not listed.
   */
  list(folder?: string): Promise<StorageEntry[]>;
  /** Remove a file or a folder (with its files) in the root; nothing happens when there is none. */
  remove(name: string): Promise<void>;
  /**
   * Delete what interrupted writes left (a checkpoint folder a crash cut short); returns the names removed. Call it
   * only while no other writer uses the storage (the Trainer does, as a run starts).
   */
  removeStaleTemps(): Promise<string[]>;
}

const validName = (s: string) => s !== '' && s !== '.' && s !== '..' && !s.includes('\\');

/** `name` or `folder/name` as its one or two names; throws StorageError for anything else. */
export function pathSegments(path: string): [string] | [string, string] {
  const segments = typeof path === 'string' ? path.split('/') : [];
  if (segments.length < 1 || segments.length > 2 || !segments.every(validName)) {
    throw new StorageError(
      String(path),
      `path: expected "name" or "folder/name", got ${JSON.stringify(path) ?? String(path)}`,
    );
  }
  return segments as [string] | [string, string];
}

/** A file or folder name: no `/`, not `.` or `..`; throws StorageError otherwise. */
export function entryName(name: string): string {
  if (typeof name !== 'string' || name.includes('/') || !validName(name)) {
    throw new StorageError(
      String(name),
      `name: expected a file or folder name without "/", got ${JSON.stringify(name) ?? String(name)}`,
    );
  }
  return name;
}

const utf8 = new TextEncoder();

/** Contents as bytes (text as UTF-8; parts joined). */
export function contentBytes(contents: StorageContents): Uint8Array {
  if (typeof contents === 'string') return utf8.encode(contents);
  if (contents instanceof Uint8Array) return contents;
  return joinArrays(Uint8Array, contents);
}

/** A file's text, or undefined when there is none. */
export async function readText(storage: RunStorage, path: string): Promise<string | undefined> {
  const bytes = await storage.readFile(path);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}
